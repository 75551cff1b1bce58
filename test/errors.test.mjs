import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { syncify, runSync, SyncBridgeError, ErrorCodes } from 'syncbridge';
import { fixture } from './helpers.mjs';

const m = syncify(fixture('errors.mjs'));

function thrownBy(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

test('a thrown error keeps its class, name, message, code and own properties', () => {
  const error = thrownBy(() => m.throwTypeError());
  assert.ok(error instanceof TypeError);
  assert.equal(error.name, 'TypeError');
  assert.equal(error.message, 'wrong type');
  assert.equal(error.code, 'E_TYPE');
  assert.deepStrictEqual(error.details, { field: 'name', at: new Date(0) });
});

test('every built-in error class comes back as itself', () => {
  for (const kind of ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']) {
    const error = thrownBy(() => m.throwBuiltin(kind));
    assert.equal(Object.getPrototypeOf(error), globalThis[kind].prototype, kind);
    assert.equal(error.message, `a ${kind}`);
  }
});

test('an AggregateError keeps its errors', () => {
  const error = thrownBy(() => m.throwAggregate());
  assert.ok(error instanceof AggregateError);
  assert.equal(error.message, 'many failed');
  assert.equal(error.errors.length, 2);
  assert.ok(error.errors[0] instanceof RangeError);
  assert.equal(error.errors[1].message, 'second');
});

test("the cause chain crosses, with each cause's code", () => {
  const error = thrownBy(() => m.throwWithCause());
  assert.equal(error.message, 'could not save');
  assert.ok(error.cause instanceof Error);
  assert.equal(error.cause.message, 'disk full');
  assert.equal(error.cause.code, 'ENOSPC');
});

test('a custom error class keeps its name, constructor name and properties', () => {
  const error = thrownBy(() => m.throwCustom());
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'HttpError');
  assert.equal(error.constructor.name, 'HttpError');
  assert.equal(error.status, 404);
  assert.equal(error.code, 'E_HTTP');
  assert.match(String(error), /^HttpError: user 7 not found/);
});

test("the stack shows the worker's frames, then the caller's call site", function callerFrame() {
  const error = thrownBy(() => m.throwTypeError());
  const stack = error.stack;
  const worker = stack.indexOf('errors.mjs');
  const caller = stack.indexOf('errors.test.mjs');
  assert.ok(worker > 0, `worker frame missing:\n${stack}`);
  assert.ok(caller > worker, `caller frame must follow the worker frames:\n${stack}`);
  assert.doesNotMatch(stack, /\[worker eval\]/, "no frames of syncbridge's own worker code");
  assert.match(stack.split('\n')[0], /^TypeError: wrong type/);
});

test('a thrown non-Error value is rethrown as it was', () => {
  assert.equal(
    thrownBy(() => m.throwString()),
    'just a string',
  );
  assert.deepStrictEqual(
    thrownBy(() => m.throwObject()),
    { reason: 'plain object', retry: true },
  );
});

test('a thrown value that cannot cross becomes ERR_SYNCBRIDGE_CLONE', () => {
  const error = thrownBy(() => m.throwFunction());
  assert.ok(error instanceof SyncBridgeError);
  assert.equal(error.code, ErrorCodes.CLONE);
  assert.match(error.message, /the thrown value is a function/);
});

test('library errors are SyncBridgeErrors with stable codes, whichever build created them', () => {
  const cjs = createRequire(import.meta.url)('syncbridge');
  assert.notEqual(cjs.SyncBridgeError, SyncBridgeError, 'two copies of the class');
  const fromCjs = thrownBy(() => cjs.syncify('./relative.js'));
  assert.ok(fromCjs instanceof SyncBridgeError, 'instanceof works across the ESM and CJS builds');
  assert.equal(fromCjs.name, 'SyncBridgeError');
  assert.match(fromCjs.code, /^ERR_SYNCBRIDGE_[A-Z_]+$/);
  for (const code of Object.values(ErrorCodes)) assert.match(code, /^ERR_SYNCBRIDGE_[A-Z_]+$/);
  assert.ok(!(new Error('x') instanceof SyncBridgeError));
});

test("a library error's stack starts at the caller's line", () => {
  const error = thrownBy(() => runSync(42));
  assert.equal(error.code, ErrorCodes.INVALID_ARG);
  assert.match(error.stack.split('\n')[1], /errors\.test\.mjs/);
});
