import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSync, ErrorCodes } from 'syncbridge';
import { assertBridgeError } from './helpers.mjs';

test('runs an async function with its arguments and returns the awaited result', () => {
  assert.equal(
    runSync(async (a, b) => a + b, 1, 2),
    3,
  );
  assert.deepStrictEqual(runSync(async (map) => [...map.keys()], new Map([['a', 1]])), ['a']);
  assert.equal(runSync(() => 'sync functions work too'), 'sync functions work too');
});

test('the function can import what it needs', () => {
  const text = runSync(async (file) => {
    const { readFile } = await import('node:fs/promises');
    return readFile(file, 'utf8');
  }, new URL(import.meta.url).pathname);
  assert.match(text, /the function can import what it needs/);
});

test('a function that uses a variable of the caller\'s scope fails with an error naming it', () => {
  const apiKey = 'secret';
  const error = assertBridgeError(
    () => runSync(async () => apiKey.length),
    ErrorCodes.CLOSURE,
    /uses "apiKey"/,
    /Pass it as an argument/,
    /runSync\(\(apiKey\) => \.\.\., apiKey\)/,
  );
  assert.ok(error.cause instanceof ReferenceError);
  assert.equal(runSync(async (key) => key.length, apiKey), 6, 'passing it as an argument works');
});

test('a ReferenceError from a module the function imports is the user\'s error, not a closure error', () => {
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
  assert.equal(quick(async () => 'next call works'), 'next call works');
  assertBridgeError(() => runSync.with({ timeout: 'soon' }), ErrorCodes.INVALID_ARG, /timeout/);
});
