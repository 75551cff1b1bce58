// TypeScript modules and the caller's loaders in the worker: the worker replays the caller's --import
// preloads (Node never runs them in an eval'd worker), falls back to a require hook for extensions import()
// refuses, and when nothing can load a .ts file the error says what would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, runSync, syncify } from 'syncbridge';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const ts = (name) => fixture(`typescript/${name}`);
const file = (name) => fileURLToPath(ts(name));
const [major, minor] = process.versions.node.split('.').map(Number);
// Node strips types by default from 22.18 / 23.6; before that, a .ts file is an unknown extension.
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
const libraryUrl = new URL('../dist/index.mjs', import.meta.url).href;

test('a .ts, .mts or .cts module nothing can load fails with ERR_SYNCBRIDGE_MODULE saying what would load it', {
  skip: stripsTypes && 'this Node strips types',
}, () => {
  for (const [name, fn] of [
    ['esm.ts', 'add'],
    ['esm.mts', 'mul'],
    ['common.cts', 'sub'],
  ]) {
    const m = syncify(ts(name), { execArgv: [], timeout: 10_000 });
    const error = assertBridgeError(
      () => m[fn](1, 2),
      ErrorCodes.MODULE,
      new RegExp(`Could not load module .*${name.replace('.', '\\.')}`),
      /Unknown file extension/,
      /does not load TypeScript by itself/,
      /Run your program under tsx \(`tsx app\.mjs` or `node --import tsx app\.mjs`; the worker inherits it\)/,
      /Node ≥ 22\.6 with --experimental-strip-types/,
      /compile the module to \.js/,
      /registers in code .*give it to the worker as a flag, e\.g\. syncify\(url, \{ execArgv: \[\.\.\.process\.execArgv, '--import', 'tsx'\] \}\)/,
    );
    assert.equal(error.cause?.code, 'ERR_UNKNOWN_FILE_EXTENSION');
  }
});

test('the same error from a real program started without a loader, and the next call still works', { skip: stripsTypes && 'this Node strips types' }, () => {
  const result = runScript(
    `import { syncify, SyncBridgeError } from ${JSON.stringify(libraryUrl)};
     const m = syncify(${JSON.stringify(ts('esm.ts').href)}, { timeout: 10_000 });
     try { m.add(1, 2); console.log('loaded?!'); }
     catch (e) { console.log(e instanceof SyncBridgeError, e.code, /--import tsx/.test(e.message)); }
     console.log(syncify(${JSON.stringify(fixture('esm-module.mjs').href)}).add(2, 3));`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['true ERR_SYNCBRIDGE_MODULE true', '5']);
});

test("the caller's --import preload runs in the worker, so hooks it registers load the module", () => {
  const result = runScript(
    `import { syncify, runSync } from ${JSON.stringify(libraryUrl)};
     const m = syncify(${JSON.stringify(ts('life.answer').href)}, { timeout: 10_000 });
     console.log(m.answer());
     console.log(runSync(async (url) => (await import(url)).answer(), ${JSON.stringify(ts('life.answer').href)}));`,
    { args: ['--import', file('register-answer.mjs')] },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['42', '42']);
});

test('--import given in NODE_OPTIONS (quoted, with --import=) is replayed too', () => {
  const m = syncify(ts('life.answer'), {
    execArgv: [],
    env: { ...process.env, NODE_OPTIONS: `--no-warnings --import="${file('register-answer.mjs')}"` },
    timeout: 10_000,
  });
  assert.equal(m.answer(), 42);
});

test('execArgv given as an option is what the worker replays; runSync sees the hooks too', () => {
  const options = { execArgv: ['--import', file('register-answer.mjs')], timeout: 10_000 };
  assert.equal(syncify(ts('life.answer'), options).answer(), 42);
  assert.equal(
    runSync.with(options)(async (url) => (await import(url)).answer(), ts('life.answer').href),
    42,
  );
});

test('a preload that makes a synchronous call itself is replayed once, not in every nested worker', () => {
  const result = runScript(
    `import { runSync } from ${JSON.stringify(libraryUrl)};
     console.log(globalThis.preloadAnswer, runSync(async () => globalThis.preloadAnswer));`,
    { args: ['--import', file('preload-uses-syncbridge.mjs')], timeout: 20_000 },
  );
  assert.equal(result.error, undefined, 'the program did not finish');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '42 42');
});

test('a preload that fails in the worker fails the call naming it (ERR_SYNCBRIDGE_MODULE in a thread, which replays it; WORKER_EXIT in a process, which Node starts with it)', () => {
  const missing = file('no-such-preload.mjs');
  const m = syncify(fixture('esm-module.mjs'), { execArgv: ['--import', missing], timeout: 10_000 });
  if (process.env.SYNCBRIDGE_STRATEGY === 'process') {
    assertBridgeError(() => m.add(1, 2), ErrorCodes.WORKER_EXIT, /failed while starting/, /no-such-preload\.mjs/);
  } else {
    assertBridgeError(() => m.add(1, 2), ErrorCodes.MODULE, /preload --import .*no-such-preload\.mjs failed/, /execArgv option/);
  }
});

test('a CommonJS .cts module loads through a require hook (ts-node/register style) when import() refuses it', {
  skip: stripsTypes && 'this Node loads .cts itself',
}, () => {
  const m = syncify(ts('common.cts'), { execArgv: ['--require', file('ts-require-hook.cjs')], timeout: 10_000 });
  assert.equal(m.sub(5, 3), 2);
  assert.equal(m.hooked(), true);
  assert.deepEqual(Object.keys(m).sort(), ['hooked', 'sub']);
});

test('ts-node registered in-process (the `ts-node` command, no flags) is carried to the worker as --require', () => {
  // What `ts-node app.ts` leaves behind: its hook and marker installed, process.execArgv without a flag for it.
  const fakeTsNode = file('fake-ts-node/node_modules/ts-node/dist/index.js');
  const result = runScript(
    `import { createRequire } from 'node:module';
     import { syncify } from ${JSON.stringify(libraryUrl)};
     createRequire(import.meta.url)(${JSON.stringify(fakeTsNode)});
     const m = syncify(${JSON.stringify(ts('common.cts').href)}, { timeout: 10_000 });
     console.log(m.sub(5, 3), m.hooked());`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '2 true');
});

test('with ts-node registered in-process, a per-process flag of the caller (--stack-size) does not stop the worker from starting', () => {
  // Adding --require to the caller's flags makes an explicit execArgv, which Node checks and refuses for
  // per-process flags; the caller's flags are then inherited as they are, and plain calls work.
  const fakeTsNode = file('fake-ts-node/node_modules/ts-node/dist/index.js');
  const result = runScript(
    `import { createRequire } from 'node:module';
     import { runSync } from ${JSON.stringify(libraryUrl)};
     createRequire(import.meta.url)(${JSON.stringify(fakeTsNode)});
     console.log(runSync(async (a, b) => a + b, 2, 3));`,
    { args: ['--stack-size=2000'] },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '5');
});

test('a ".js" name for a .ts file (the TypeScript convention) that nothing maps says which .ts file is there', () => {
  const m = syncify(new URL('./esm.js', ts('esm.ts')), { execArgv: [], timeout: 10_000 });
  assertBridgeError(
    () => m.add(1, 2),
    ErrorCodes.MODULE,
    /Cannot find module/,
    /There is .*esm\.ts: TypeScript's "\.js" names map to "\.ts" files only under a loader/,
    /run your program under tsx/,
  );
});
