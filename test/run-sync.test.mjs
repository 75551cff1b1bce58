import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSync, ErrorCodes } from 'syncbridge';
import { assertBridgeError } from './helpers.mjs';

test('runs an async function with its arguments and returns the awaited result', () => {
  assert.equal(
    runSync(async (a, b) => a + b, 1, 2),
    3,
  );
  assert.deepStrictEqual(
    runSync(async (map) => [...map.keys()], new Map([['a', 1]])),
    ['a'],
  );
  assert.equal(
    runSync(() => 'sync functions work too'),
    'sync functions work too',
  );
});

test('the function can import what it needs', () => {
  const text = runSync(
    async (file) => {
      const { readFile } = await import('node:fs/promises');
      return readFile(file, 'utf8');
    },
    new URL(import.meta.url).pathname,
  );
  assert.match(text, /the function can import what it needs/);
});

test("a function that uses a variable of the caller's scope fails with an error naming it", () => {
  const apiKey = 'secret';
  const error = assertBridgeError(
    () => runSync(async () => apiKey.length),
    ErrorCodes.CLOSURE,
    /uses "apiKey"/,
    /Pass it as an argument/,
    /runSync\(\(apiKey\) => \.\.\., apiKey\)/,
  );
  assert.ok(error.cause instanceof ReferenceError);
  assert.equal(
    runSync(async (key) => key.length, apiKey),
    6,
    'passing it as an argument works',
  );
});

test("a ReferenceError from a module the function imports is the user's error, not a closure error", () => {
  assert.throws(
    () =>
      runSync(async () => {
        const { runInThisContext } = await import('node:vm');
        return runInThisContext('notDefinedAnywhere');
      }),
    (error) => error instanceof ReferenceError && /notDefinedAnywhere/.test(error.message),
  );
});

test('methods written in shorthand can be run', () => {
  const tasks = {
    async double(x) {
      return x * 2;
    },
  };
  assert.equal(runSync(tasks.double, 21), 42);
});

test('a non-function or a native function is refused with ERR_SYNCBRIDGE_INVALID_ARG', () => {
  assertBridgeError(() => runSync('async () => 1'), ErrorCodes.INVALID_ARG, /needs a function/);
  assertBridgeError(() => runSync(Math.max, 1, 2), ErrorCodes.INVALID_ARG, /native or bound/);
  assertBridgeError(() => runSync((() => 1).bind(null)), ErrorCodes.INVALID_ARG, /native or bound/);
});

test('runSync.with() applies options such as timeout', () => {
  const quick = runSync.with({ timeout: 200 });
  assertBridgeError(() => quick(() => new Promise(() => {})), ErrorCodes.TIMEOUT, /did not finish within 200 ms/);
  // The next call (same worker bridge) starts a fresh worker: without the 200 ms limit, which a worker start
  // alone can exceed on a loaded 2-core machine.
  assert.equal(
    runSync(async () => 'next call works'),
    'next call works',
  );
  assertBridgeError(() => runSync.with({ timeout: 'soon' }), ErrorCodes.INVALID_ARG, /timeout/);
});

// Sources as the tools leave them: a function's text rewritten by istanbul (Jest --coverage), by Vite's SSR
// transform (Vitest) and by esbuild's CommonJS output. Built with new Function so they are real functions
// whose toString() is exactly that text.
const rewritten = {
  istanbul: `async t => {
      /* istanbul ignore next */
      cov_2hco13l4fj().f[2]++;
      const { Buffer } = (cov_2hco13l4fj().s[5]++, await import('node:buffer'));
      return Buffer.byteLength(t);
    }`,
  vite: `async (t) => {
		const { Buffer } = await __vite_ssr_dynamic_import__("node:buffer");
		return [Buffer.byteLength(t), __vite_ssr_import_2__.default.sep];
	}`,
  esbuild: `async (t) => {
    const { Buffer } = await Promise.resolve().then(() => __toESM(require("node:buffer")));
    return Buffer.byteLength(t);
  }`,
  esbuildBundled: `async (t) => {
    const { default: esc } = await Promise.resolve().then(() => (init_escape_string_regexp(), escape_string_regexp_exports));
    return esc(t);
  }`,
};
const fromSource = (source) => new Function(`return (${source});`)();

test('a function rewritten by coverage instrumentation is refused before it runs, naming the tool and syncify', () => {
  assertBridgeError(
    () => runSync(fromSource(rewritten.istanbul), 'héllo'),
    ErrorCodes.CLOSURE,
    /rewritten before it ran, by coverage instrumentation/,
    /"cov_2hco13l4fj"/,
    /syncify/,
    /out of coverage/,
  );
});

test("a function rewritten by Vite (Vitest) or by a bundler's CommonJS output is refused the same way", () => {
  assertBridgeError(() => runSync(fromSource(rewritten.vite), 'x'), ErrorCodes.CLOSURE, /Vite's module transform/, /"__vite_ssr_dynamic_import__"/, /syncify/);
  assertBridgeError(() => runSync(fromSource(rewritten.esbuild), 'x'), ErrorCodes.CLOSURE, /esbuild/, /"__toESM"/, /syncify/);
  assertBridgeError(
    () => runSync(fromSource(rewritten.esbuildBundled), 'x'),
    ErrorCodes.CLOSURE,
    /replaced import\(\) with the copy of the module it bundled/,
    /"init_escape_string_regexp"/,
    /syncify/,
    /external/,
  );
  // Minified, the helpers have no telling names: the shape gives them away.
  assertBridgeError(
    () => runSync(fromSource('async (t) => { const { default: e } = await Promise.resolve().then(() => (ke(), xe)); return e(t); }'), 'x'),
    ErrorCodes.CLOSURE,
    /esbuild/,
    /"ke"/,
  );
});

test('an artefact the source check did not see is still named when the worker hits it', () => {
  // A counter call without the .s[]/.f[] shape: only the worker's ReferenceError reveals it.
  const error = assertBridgeError(
    () => runSync(fromSource('async () => { cov_abc123(); return 1; }')),
    ErrorCodes.CLOSURE,
    /rewritten before it ran, by coverage instrumentation/,
    /"cov_abc123"/,
    /syncify/,
  );
  assert.ok(error.cause instanceof ReferenceError);
  assert.equal(
    runSync(async () => {
      const cov_local = () => 1;
      return cov_local();
    }),
    1,
    'a user name alike is not mistaken for one',
  );
});

test('a function whose import() a minified webpack bundle rewrote is named once the worker misses its helper', () => {
  // As webpack 5 emits them, minified (ES module and CommonJS output); p and n are webpack's require.
  const esm = 'async e=>{const{Buffer:t}=await Promise.resolve().then(()=>p(821));return t.byteLength(e)}';
  const cjs = 'async e=>{const{Buffer:t}=await Promise.resolve().then(()=>n.t(573,19));return t.byteLength(e)}';
  const chunk = 'async e=>{const{default:t}=await p.e(163).then(p.bind(p,821));return t(e)}';
  for (const source of [esm, cjs, chunk]) {
    assertBridgeError(() => runSync(fromSource(source), 'x'), ErrorCodes.CLOSURE, /rewritten before it ran, by webpack/, /syncify/);
  }
  // The same shape written by hand with a function of the worker's own is not mistaken for it.
  assert.equal(
    runSync(async () => {
      const f = (x) => x + 1;
      return Promise.resolve().then(() => f(1));
    }),
    2,
  );
});
