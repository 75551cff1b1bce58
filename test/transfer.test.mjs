import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, runSync, syncify, transfer } from 'syncbridge';
import { assertBridgeError, fixture } from './helpers.mjs';

const m = syncify(fixture('transfer-module.mjs'));

test("transfer() moves an argument's buffer to the worker instead of copying it", () => {
  const bytes = new Uint8Array(4 * 1024 * 1024).fill(1);
  assert.equal(m.sum(transfer(bytes, [bytes.buffer])), 4 * 1024 * 1024);
  assert.equal(bytes.byteLength, 0, "the caller's buffer is detached: it was moved, not copied");
});

test('a worker module can return a transferred buffer', () => {
  const bytes = m.makeBytes(1024);
  assert.equal(bytes.byteLength, 1024);
  assert.equal(bytes[1023], 7);
  assert.equal(m.lastByteLength(), 0, "the worker's buffer is detached");
});

test('without transfer(), arguments are copied and stay usable', () => {
  const bytes = new Uint8Array(1024).fill(2);
  assert.equal(m.sum(bytes), 2048);
  assert.equal(bytes.byteLength, 1024);
});

test('an ArrayBuffer already transferred, in a transfer list, fails that call with CLONE, and the worker stays', () => {
  const sdk = syncify(fixture('sdk.mjs'));
  runSync(() => {
    globalThis.sameWorker = 42;
  });
  const bytes = new Uint8Array(8);
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] }); // detached now
  assertBridgeError(
    () => sdk.echo(transfer(bytes, [bytes.buffer])),
    ErrorCodes.CLONE,
    // A thread finds out when it rebuilds the request; a process, before it sends it.
    /^echo\(\) from .*: (the request could not be rebuilt in the worker \(.*\); was an ArrayBuffer in its transfer list already transferred or detached\?|the arguments cannot be sent to the worker \(TypeError: an ArrayBuffer in the transfer list was already transferred or detached)/,
  );
  assert.equal(
    runSync(() => globalThis.sameWorker),
    42,
    'the same worker answers the next call',
  );
});
