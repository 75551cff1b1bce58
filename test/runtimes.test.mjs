// Runtime differences that the matrix (test/matrix/cells/runtimes.mjs) shows on real Bun and Deno,
// reproduced on Node so that `npm test` guards them too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixture, runScript } from './helpers.mjs';

const library = JSON.stringify(import.meta.resolve('syncbridge'));

test('values, errors and large payloads cross when node:v8 serializes like Bun (a version number first, not 0xff; untransferable bytes)', () => {
  const result = runScript(
    `import { runSync, syncify } from ${library};
    const m = syncify(${JSON.stringify(fixture('faults.mjs').href)}, { timeout: 10_000 });
    const out = [];
    out.push(runSync(async () => [1, undefined, 2n, new Map([[1, 2]])]));
    try { runSync(async () => { throw Object.assign(new TypeError('bad type'), { code: 'E_BAD' }); }); }
    catch (error) { out.push([error.constructor.name, error.message, error.code]); }
    try { m.exitWith(3); } catch (error) { out.push(error.code); }
    // Larger than the shared area: the serialized bytes travel through the MessagePort, both ways.
    out.push(runSync(async (bytes) => bytes.reduce((sum, byte) => sum + byte, 0), new Uint8Array(200_000).fill(1)));
    out.push(runSync(async (n) => new Float64Array(n).fill(0.5), 100_000).reduce((sum, x) => sum + x, 0));
    console.log(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v + 'n' : v instanceof Map ? [...v] : v === undefined ? 'undef' : v)));`,
    { args: ['--require', fileURLToPath(fixture('foreign-serializer.cjs'))] },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout.trim().split('\n').at(-1),
    JSON.stringify([[1, 'undef', '2n', [[1, 2]]], ['TypeError', 'bad type', 'E_BAD'], 'ERR_SYNCBRIDGE_WORKER_EXIT', 200_000, 50_000]),
  );
});

for (const [runtime, fake] of [
  ['Bun', "globalThis.Bun = { version: '1.4.5' };"],
  ['Deno', "globalThis.Deno = { version: { deno: '2.9.6' } };"],
]) {
  test(`on ${runtime}, worker-thread options it would silently ignore are refused with ERR_SYNCBRIDGE_UNSUPPORTED`, () => {
    const result = runScript(
      `import { runSync } from ${library};
      ${fake}
      const codeOf = (options) => { try { return runSync.with(options)(async () => 'ran'); } catch (error) { return error.code + ': ' + error.message; } };
      console.log(codeOf({ strategy: 'thread', resourceLimits: { maxOldGenerationSizeMb: 64 } }));
      console.log(codeOf({ strategy: 'thread', execArgv: ['--require', 'x'] }));
      console.log(codeOf({ execArgv: [] }));
      console.log(codeOf({}));`,
    );
    assert.equal(result.status, 0, result.stderr);
    const [limits, execArgv, empty, none] = result.stdout.trim().split('\n');
    assert.match(
      limits,
      new RegExp(`^ERR_SYNCBRIDGE_UNSUPPORTED: runSync\\(anonymous function\\): the "resourceLimits" option is not supported on ${runtime}`),
    );
    assert.match(
      execArgv,
      new RegExp(`^ERR_SYNCBRIDGE_UNSUPPORTED: .*"execArgv" option \\(\\["--require","x"\\]\\) is not supported on ${runtime}.*--require`),
    );
    assert.equal(empty, 'ran');
    assert.equal(none, 'ran');
  });
}

test('where captureStackTrace(o, fn) finds no frames (Bun, after a tail call), errors still point at the caller', () => {
  const result = runScript(
    `import { runSync, syncify } from ${library};
    function callsTheWorker() { runSync(async () => { throw new TypeError('from the worker'); }); }
    try { callsTheWorker(); } catch (error) { console.log(JSON.stringify(error.stack)); }
    function passesAFunction() { syncify(${JSON.stringify(fixture('faults.mjs').href)}).ok(new (class Local {})()); }
    try { passesAFunction(); } catch (error) { console.log(JSON.stringify(error.stack)); }`,
    { args: ['--require', fileURLToPath(fixture('frameless-capture.cjs'))] },
  );
  assert.equal(result.status, 0, result.stderr);
  const [thrown, refused] = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).split('\n'));
  const boundary = thrown.findIndex((line) => line.includes('[syncbridge: worker thread above, calling thread below]'));
  assert.ok(boundary > 0, thrown.join('\n'));
  assert.match(thrown[boundary + 1] ?? '', /at callsTheWorker \(.*script\.mjs/, thrown.join('\n'));
  assert.match(refused[0], /^SyncBridgeError: ok\(\) from .*faults\.mjs: argument 1 is an instance of Local/);
  assert.match(refused[1] ?? '', /at passesAFunction \(.*script\.mjs/, refused.join('\n'));
});

test("an error from the first call of a fresh worker shows no machinery frames (syncbridge's or Node's)", () => {
  const result = runScript(
    `import { runSync } from ${library};
    try { runSync(async () => { throw new RangeError('first call'); }); } catch (error) { console.log(JSON.stringify(error.stack)); }`,
  );
  assert.equal(result.status, 0, result.stderr);
  const stack = JSON.parse(result.stdout.trim()).split('\n');
  const boundary = stack.findIndex((line) => line.includes('[syncbridge: worker thread above'));
  assert.deepEqual(
    stack.slice(1, boundary).filter((line) => !line.includes('syncbridge:runSync')),
    [],
    `only the function's own frame above the boundary:\n${stack.join('\n')}`,
  );
});

test('where reading an environment variable throws (Deno without --allow-env), the SYNCBRIDGE_* settings count as unset', () => {
  const result = runScript(
    `import { runSync } from ${library};
    const real = process.env;
    process.env = new Proxy(real, {
      get(target, key) {
        if (typeof key === 'string' && key.startsWith('SYNCBRIDGE_')) throw new Error('NotCapable: Requires env access to "' + key + '"');
        return Reflect.get(target, key);
      },
    });
    console.log(runSync(async (a) => a + 1, 41));`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '42');
});

test('a runtime without Atomics.waitAsync is refused with ERR_SYNCBRIDGE_UNSUPPORTED, not a dead worker', () => {
  const result = runScript(
    `import { runSync } from ${library};
    delete Atomics.waitAsync;
    try { runSync(async () => 1); } catch (error) { console.log(error.code + ': ' + error.message); }`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^ERR_SYNCBRIDGE_UNSUPPORTED: This runtime \(Node [\d.]+\) has no Atomics\.waitAsync/);
});

/**
 * Runs each entry of `calls` (name → a function body that makes one failing call) in a script under the
 * frameless-capture preload (Bun's tail calls, simulated), each from its own named function; returns each
 * error's first stack frame.
 */
function firstFramesWithoutCapture(calls, { env } = {}) {
  const source =
    `import { diagnose, runSync, syncify } from ${library};\n` +
    Object.entries(calls)
      .map(
        ([name, body]) =>
          `function ${name}() { ${body} }\n` +
          `try { ${name}(); console.log(JSON.stringify(['${name}', 'did not throw'])); } catch (error) {\n` +
          `  console.log(JSON.stringify(['${name}', error.stack.split('\\n').find((line) => line.trimStart().startsWith('at ')) ?? error.stack])); }`,
      )
      .join('\n');
  const result = runScript(source, { args: ['--require', fileURLToPath(fixture('frameless-capture.cjs'))], env });
  assert.equal(result.status, 0, result.stderr);
  return Object.fromEntries(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  );
}

test('where captureStackTrace(o, fn) finds no frames (Bun, after a tail call), argument errors point at the caller too', () => {
  const frames = firstFramesWithoutCapture({
    notAFunction: 'runSync(42);',
    nativeFunction: 'runSync(Math.max);',
    badCalls: 'diagnose({ calls: 0 });',
  });
  for (const [name, frame] of Object.entries(frames)) assert.match(frame, new RegExp(`at ${name} \\(.*script\\.mjs`), `${name}: ${frame}`);
});

// These errors are made in syncify.ts, run-sync.ts and thread-bridge.ts through errors.ts's
// pointAtCaller()/libraryError(), which fall back to the frames below the library.
test('errors of syncify(), runSync.with(), a bad SYNCBRIDGE_TIMEOUT and a runtime that cannot block point at the caller, even without captureStackTrace frames', () => {
  const frames = firstFramesWithoutCapture({
    relativePath: "syncify('./relative.mjs');",
    unknownOption: 'runSync.with({ bogus: 1 });',
    rewrittenSource: "runSync(new Function('return async () => cov_1x2y3z().s[0]++')());",
  });
  const envFrames = firstFramesWithoutCapture({ badEnvironment: 'runSync(() => 1);' }, { env: { SYNCBRIDGE_TIMEOUT: 'abc' } });
  const blockFrames = firstFramesWithoutCapture({ cannotBlock: 'delete Atomics.waitAsync; runSync(() => 1);' });
  for (const [name, frame] of Object.entries({ ...frames, ...envFrames, ...blockFrames })) {
    assert.match(frame, new RegExp(`at ${name} \\(.*script\\.mjs`), `${name}: ${frame}`);
  }
});
