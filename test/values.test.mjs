import { inspect } from 'node:util';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncify, runSync, ErrorCodes } from 'syncbridge';
import { assertBridgeError, fixture } from './helpers.mjs';

const m = syncify(fixture('esm-module.mjs'));

test('structured-clone values arrive intact in both directions', () => {
  const cyclic = { name: 'loop' };
  cyclic.self = cyclic;
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const value = {
    text: 'héllo ✓',
    number: -0.5,
    big: 2n ** 70n,
    missing: undefined,
    nil: null,
    date: new Date('2026-01-02T03:04:05Z'),
    regexp: /a+b/gi,
    map: new Map([
      ['k', { deep: [1, 2] }],
      [1, 'one'],
    ]),
    set: new Set(['a', 1, 2n]),
    bytes: new Uint8Array([1, 2, 255]),
    floats: new Float64Array([Math.PI, -Infinity]),
    buffer: new Uint16Array([7, 8]).buffer,
    nodeBuffer: Buffer.from('buffer stays a Buffer'),
    error: new RangeError('an error as a value'),
    nested: [[[{ a: [{ b: 'deep' }] }]]],
    sparse,
    cyclic,
  };
  const back = m.echo(value);
  assert.notEqual(back, value);
  assert.ok(Buffer.isBuffer(back.nodeBuffer));
  assert.ok(back.error instanceof RangeError);
  assert.equal(back.error.message, 'an error as a value');
  assert.equal(back.cyclic.self, back.cyclic, 'cycles are preserved');
  assert.ok(!(1 in back.sparse), 'holes stay holes');
  const { error, ...rest } = value;
  const { error: _, ...restBack } = back;
  assert.deepStrictEqual(restBack, rest);
});

test('undefined, primitives and a 1 MiB typed array cross as themselves', () => {
  assert.equal(m.echo(undefined), undefined);
  assert.equal(m.echo('x'), 'x');
  assert.equal(m.echo(12n), 12n);
  const large = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  assert.deepStrictEqual(m.echo(large), large);
  const text = 'z'.repeat(200_000);
  assert.equal(m.echo({ text }).text, text);
});

test("typed arrays that arrive are their receiver's own memory, not views into the shared buffer", () => {
  const first = m.echo(new Uint8Array([1, 2, 3]));
  const buffer = m.echo(Buffer.from('abc'));
  m.echo(new Uint8Array([9, 9, 9]));
  m.echo(Buffer.from('xyz'));
  assert.deepStrictEqual(first, new Uint8Array([1, 2, 3]), 'a later call must not change an earlier result');
  assert.equal(buffer.toString(), 'abc');
  assert.ok(!(first.buffer instanceof SharedArrayBuffer));
  assert.equal(m.keepAndRecall(new Uint8Array([5, 6])), 'kept 5,6');
  m.echo(new Uint8Array([7, 7]));
  assert.equal(m.recall(), 'kept 5,6', 'an argument the worker keeps is not overwritten by the next request');
});

test('a function passed to the worker and returned comes back as the same function', () => {
  const onProgress = () => {};
  const back = m.echo({ options: { list: [0, { onProgress }] } });
  assert.equal(back.options.list[1].onProgress, onProgress);
});

test('symbols, WeakMaps, proxies and class instances are refused, not silently changed', () => {
  class User {
    #password = 'secret';
    name = 'ada';
  }
  assertBridgeError(() => m.echo(Symbol('s')), ErrorCodes.CLONE, /argument 1 is a symbol/);
  assertBridgeError(() => m.echo({ [Symbol('k')]: 1 }), ErrorCodes.CLONE, /symbol key Symbol\(k\)/);
  assertBridgeError(() => m.echo({ cache: new WeakMap() }), ErrorCodes.CLONE, /argument 1 → cache is a WeakMap/);
  assertBridgeError(() => m.echo(new Proxy({}, {})), ErrorCodes.CLONE, /is a Proxy/);
  assertBridgeError(() => m.echo({ user: new User() }), ErrorCodes.CLONE, /argument 1 → user is an instance of User/, /private fields/);
  assertBridgeError(() => m.echo(new Map([['k', new User()]])), ErrorCodes.CLONE, /\.get\("k"\) is an instance of User/);
});

test('a getter that throws is reported with its path', () => {
  const value = {
    get broken() {
      throw new Error('getter exploded');
    },
  };
  assertBridgeError(() => m.echo(value), ErrorCodes.CLONE, /argument 1 → broken could not be read \(getter exploded\)/);
});

test('a returned function or class instance crosses by reference: a proxy, with its private state kept in the worker', () => {
  const { nested } = m.returnFunction();
  assert.equal(typeof nested.callback, 'function');
  assert.equal(nested.callback(), 1);
  const secret = m.returnClassInstance();
  assert.equal(secret.visible, 1);
  assert.match(inspect(secret), /^\[remote Secret #\d+\]$/);
  assert.equal(m.add(1, 1), 2);
});

test('a return value that cannot cross fails with ERR_SYNCBRIDGE_CLONE, and the next call works', () => {
  assertBridgeError(() => runSync(async () => ({ nested: { weak: new WeakMap() } })), ErrorCodes.CLONE, /the return value → nested\.weak is a WeakMap/);
  assertBridgeError(() => runSync(async () => [Symbol('s')]), ErrorCodes.CLONE, /the return value → \[0\] is a symbol/);
  assert.equal(m.add(1, 1), 2);
});

// Payloads of 16 KiB and more take another encoding (posted with the native structured clone): what arrives
// must not depend on the size.
test('large Buffers stay Buffers, in both directions', () => {
  const back = m.echo(Buffer.alloc(20_000, 7));
  assert.ok(Buffer.isBuffer(back), 'an argument Buffer came back as a plain Uint8Array');
  assert.equal(back.length, 20_000);
  assert.equal(
    runSync((bytes) => Buffer.isBuffer(bytes), Buffer.alloc(20_000)),
    true,
    'the worker got a plain Uint8Array',
  );
  const made = runSync(async (n) => Buffer.alloc(n, 1), 20_000);
  assert.ok(Buffer.isBuffer(made), 'a returned Buffer arrived as a plain Uint8Array');
});

test('a large view of part of a bigger buffer sends its own bytes, not the whole buffer', () => {
  const big = new Uint8Array(10_000_000);
  big[5] = 42;
  const [length, first, bufferBytes] = runSync((view) => [view.length, view[0], view.buffer.byteLength], big.subarray(5, 20_005));
  assert.equal(length, 20_000);
  assert.equal(first, 42);
  // The view may sit in the received message's own memory, but the caller's other ~10 MB did not go along.
  assert.ok(bufferBytes < 100_000, `the worker's view sits on a ${bufferBytes}-byte buffer`);
});

test('a large typed array over a SharedArrayBuffer arrives as a copy, not as shared memory', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(20_000));
  const seen = runSync((view) => {
    const isShared = view.buffer instanceof SharedArrayBuffer;
    view[0] = 99; // must not reach the caller's memory
    return isShared;
  }, shared);
  assert.equal(seen, false);
  assert.equal(shared[0], 0);
});
