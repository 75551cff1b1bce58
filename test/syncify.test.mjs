import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { syncify, runSync, ErrorCodes } from 'syncbridge';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const esm = syncify(fixture('esm-module.mjs'));

test('every exported function of an ES module becomes a synchronous function', () => {
  assert.equal(esm.add(1, 2), 3);
  assert.equal(esm.multiplySync(6, 7), 42);
  assert.equal(esm.fromDefault(), 'default object');
});

test('CommonJS exports are callable, with `this` bound to module.exports', () => {
  const cjs = syncify(fixture('cjs-module.cjs'));
  assert.equal(cjs.greet('Ada'), 'hello, Ada');
  assert.equal(cjs.sum(1, 2, 3), 6);
});

test('a URL, a file: URL string and an absolute path name the same module', () => {
  const url = fixture('esm-module.mjs');
  for (const specifier of [url, url.href, fileURLToPath(url)]) assert.equal(syncify(specifier).multiplySync(2, 3), 6);
});

test('node: builtins can be syncified', () => {
  const fsp = syncify('node:fs/promises');
  assert.match(fsp.readFile(fileURLToPath(fixture('cjs-module.cjs')), 'utf8'), /module\.exports/);
});

test('one worker per calling thread: module state persists across calls and syncify() objects', () => {
  const again = syncify(fixture('esm-module.mjs'));
  const first = esm.count();
  assert.equal(again.count(), first + 1);
  const workerThread = esm.whereAmI();
  assert.notEqual(workerThread, `${process.pid}/0`, 'runs off the calling thread');
  assert.equal(again.whereAmI(), workerThread);
  assert.equal(
    runSync(async () => `${process.pid}/${(await import('node:worker_threads')).threadId}`),
    workerThread,
    'runSync shares the same worker',
  );
});

test("back-to-back calls do not starve the worker's own timers and I/O", () => {
  const before = esm.timerTicks();
  const until = Date.now() + 300;
  let after = before;
  while (Date.now() < until) after = esm.timerTicks();
  assert.ok(after - before >= 10, `a 1 ms interval in the worker ticked ${after - before} times in 300 ms of back-to-back calls`);
});

test('a relative path is refused with an error that shows the fix', () => {
  assertBridgeError(
    () => syncify('./client.js'),
    ErrorCodes.INVALID_ARG,
    /relative path is ambiguous/,
    /new URL\("\.\/client\.js", import\.meta\.url\)/,
    /__dirname/,
    /notebook or a REPL.*path\.resolve\("\.\/client\.js"\)/,
  );
});

test('a missing module fails with ERR_SYNCBRIDGE_MODULE naming it', () => {
  const missing = syncify(fixture('does-not-exist.mjs'));
  assertBridgeError(() => missing.anything(), ErrorCodes.MODULE, /does-not-exist\.mjs/);
});

test('a missing export fails with ERR_SYNCBRIDGE_MODULE listing the exports that exist', () => {
  const error = assertBridgeError(() => esm.ad(1, 2), ErrorCodes.MODULE, /no export named "ad"/, /add \(function\)/, /version \(string\)/);
  assert.match(error.message, /esm-module\.mjs/);
});

test('calling a non-function export says it is not a function', () => {
  assertBridgeError(() => esm.version(), ErrorCodes.MODULE, /"version"/, /is a string, not a function/);
});

test('a module that throws while loading fails with ERR_SYNCBRIDGE_MODULE and the original error as cause', () => {
  const broken = syncify(fixture('throws-on-load.mjs'));
  const error = assertBridgeError(() => broken.anything(), ErrorCodes.MODULE, /throws-on-load\.mjs/, /broken at load time/);
  assert.ok(error.cause instanceof Error);
  assert.equal(error.cause.message, 'broken at load time');
  assert.match(error.cause.stack, /throws-on-load\.mjs:1/);
  assert.equal(esm.add(2, 2), 4, 'the bridge still works');
});

test('the syncified object lists its function exports and is not thenable', async () => {
  assert.deepEqual(Object.keys(esm).sort(), [
    'add',
    'count',
    'echo',
    'fromDefault',
    'keepAndRecall',
    'multiplySync',
    'recall',
    'returnClassInstance',
    'returnFunction',
    'timerTicks',
    'whereAmI',
  ]);
  assert.ok('add' in esm);
  assert.ok(!('version' in esm));
  assert.equal(esm.then, undefined);
  assert.equal(await esm, esm, 'awaiting it does not call the worker');
  assert.equal(esm.add, esm.add, 'functions are cached');
  assert.equal(esm.add.name, 'add');
});

test('bad options throw ERR_SYNCBRIDGE_INVALID_ARG at the call site, saying what is expected', () => {
  const url = fixture('esm-module.mjs');
  assertBridgeError(() => syncify(url, { timeout: '5s' }), ErrorCodes.INVALID_ARG, /"timeout" option must be a positive number of milliseconds/, /"5s"/);
  assertBridgeError(() => syncify(url, { timeout: -1 }), ErrorCodes.INVALID_ARG, /timeout/);
  assertBridgeError(() => syncify(url, { timout: 5 }), ErrorCodes.INVALID_ARG, /unknown option "timout"/);
  assertBridgeError(() => syncify(url, 5000), ErrorCodes.INVALID_ARG, /options must be an object/);
  assertBridgeError(() => syncify(42), ErrorCodes.INVALID_ARG, /needs the module/);
  assertBridgeError(() => syncify('https://example.com/x.js'), ErrorCodes.INVALID_ARG, /https: URL/);
});

test('a bare package name resolves from the current directory, CommonJS and ESM-only packages alike', () => {
  const project = fileURLToPath(new URL('./fixtures/project/', import.meta.url));
  const result = runScript(
    `import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
     console.log(syncify('cjs-package').hello('cjs'));
     console.log(syncify('esm-only-package').hello('esm'));
     console.log(syncify('esm-only-package/extra').extra());`,
    { cwd: project },
  );
  assert.equal(result.stderr, '');
  assert.equal(result.stdout, 'hello from cjs-package, cjs\nhello from esm-only-package, esm\nextra subpath\n');
  assert.equal(result.status, 0);
});

test('a bare name that is not installed fails with ERR_SYNCBRIDGE_MODULE', () => {
  assertBridgeError(() => syncify('no-such-package-anywhere'), ErrorCodes.MODULE, /cannot find package "no-such-package-anywhere"/);
});

test('the process exits as soon as the script ends, without close()', () => {
  const started = Date.now();
  const result = runScript(
    `import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
     const m = syncify(${JSON.stringify(fixture('esm-module.mjs').href)});
     console.log(m.add(20, 22));`,
    { timeout: 20_000 },
  );
  assert.equal(result.stdout, '42\n');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.signal, null, `the script did not exit by itself (${Date.now() - started} ms)`);
});

test('close() stops the worker; the next call starts a fresh one', async () => {
  const { close } = await import('syncbridge');
  const m = syncify(fixture('esm-module.mjs'));
  const before = m.whereAmI();
  await close();
  assert.notEqual(m.whereAmI(), before);
  assert.equal(m.count(), 1, 'fresh module state');
});

test('interleaved calls to many functions of several modules each reach their own function, also after the worker is replaced', async () => {
  // Repeated calls send a short form of their module and function (a numbered head, thread strategy); a mixed-up
  // number would call the wrong function, or the right one with another call's arguments.
  const { close } = await import('syncbridge');
  const cjs = syncify(fixture('cjs-module.cjs'));
  const check = () => {
    for (let i = 0; i < 50; i++) {
      assert.equal(esm.multiplySync(i, 3), i * 3);
      assert.equal(cjs.greet(`n${i}`), `hello, n${i}`);
      assert.equal(esm.echo(), undefined);
      assert.equal(esm.echo(null), null);
      assert.deepEqual(esm.echo({ i, list: [i, 'x'] }), { i, list: [i, 'x'] });
      assert.equal(cjs.sum(i, 1, 2), i + 3);
      assert.equal(
        runSync((a, b) => a - b, i, 1),
        i - 1,
      );
    }
  };
  check();
  await close(); // a fresh worker knows none of the short forms
  check();
});

test('the CommonJS entry point works from require()', () => {
  assert.match(createRequire(import.meta.url).resolve('syncbridge'), /index\.cjs$/);
  const result = runScript(
    `const { syncify, runSync } = require(${JSON.stringify(createRequire(import.meta.url).resolve('syncbridge'))});
     const m = syncify(${JSON.stringify(path.join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/cjs-module.cjs'))});
     console.log(m.greet('cjs'), runSync(async (x) => x * 2, 21));`,
    { extension: '.cjs', cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  assert.equal(result.stdout, 'hello, cjs 42\n', result.stderr);
});

test('a TypeScript module whose relative import has no extension fails with a hint about type stripping', {
  skip: !process.features.typescript && 'this Node has no type stripping (Node 22.18+ has it on by default)',
}, async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncbridge-ts-'));
  try {
    writeFileSync(path.join(dir, 'helper.ts'), 'export const twice = (n: number): number => n * 2;\n');
    writeFileSync(path.join(dir, 'client.ts'), "import { twice } from './helper';\nexport async function run(n: number) { return twice(n); }\n");
    assertBridgeError(
      () => syncify(path.join(dir, 'client.ts')).run(2),
      ErrorCodes.MODULE,
      /Cannot find module/,
      /needs the file extension in relative imports: write "helper\.ts"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
