// Big payloads, copied (not transferred), both ways: they arrive intact, as their own buffers, whatever path
// they take (a growable shared payload area where the runtime has one, the MessagePort otherwise).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { syncify } from 'syncbridge';
import { fixture } from './helpers.mjs';

const m = syncify(fixture('payloads-module.mjs'), { timeout: 60_000 });
const MiB = 1024 * 1024;

function bytes(length, seed) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 255;
  return out;
}
const digest = (view) =>
  createHash('sha256')
    .update(new Uint8Array(view.buffer ?? view, view.byteOffset ?? 0, view.byteLength))
    .digest('hex');

test('a 5 MiB Uint8Array arrives intact in the worker and back, as a copy of its own', () => {
  const sent = bytes(5 * MiB, 1);
  assert.deepEqual(m.describe(sent), { kind: 'Uint8Array', byteLength: 5 * MiB, shared: false, digest: digest(sent) });
  const back = m.echo(sent);
  assert.ok(back instanceof Uint8Array && !Buffer.isBuffer(back));
  assert.equal(back.buffer instanceof SharedArrayBuffer, false);
  assert.equal(digest(back), digest(sent));
  assert.notEqual(back.buffer, sent.buffer);
  // Later calls reuse the shared areas: an earlier result must not change with them.
  const again = m.echo(bytes(5 * MiB, 9));
  assert.equal(digest(back), digest(sent));
  assert.notEqual(digest(again), digest(back));
  assert.equal(sent.byteLength, 5 * MiB, "the caller's array stays usable");
});

test('a 5 MiB array made in the worker arrives intact', () => {
  const made = m.bytes(5 * MiB, 2);
  assert.equal(digest(made), digest(bytes(5 * MiB, 2)));
  assert.equal(made.buffer instanceof SharedArrayBuffer, false);
});

test('a 3 MiB string arrives intact both ways', () => {
  const text = 'é'.repeat(MiB) + 'x'.repeat(MiB) + '\u{1f600}'.repeat(MiB / 2);
  assert.equal(m.echo(text), text);
});

test('big bytes and a string nested in an object arrive intact both ways', () => {
  const value = { bytes: bytes(5 * MiB, 4), text: 'ü'.repeat(3 * MiB), inner: { list: [bytes(MiB, 6)] } };
  const back = m.echo(value);
  assert.equal(digest(back.bytes), digest(value.bytes));
  assert.equal(back.text, value.text);
  assert.equal(digest(back.inner.list[0]), digest(value.inner.list[0]));
  const made = m.nested(3 * MiB);
  assert.equal(digest(made.bytes), digest(bytes(3 * MiB, 3)));
  assert.equal(made.text, 'ä'.repeat(3 * MiB));
  assert.equal(digest(made.list[0]), digest(bytes(3 * MiB, 5)));
  assert.equal(made.list[1], 'x');
});

test('a subarray view arrives as its own bytes, not its whole buffer', () => {
  const whole = bytes(4 * MiB, 7);
  const view = whole.subarray(12345, 12345 + 2 * MiB);
  assert.deepEqual(m.describe(view), { kind: 'Uint8Array', byteLength: 2 * MiB, shared: false, digest: digest(view) });
  const back = m.echo(view);
  assert.equal(back.byteLength, 2 * MiB);
  assert.equal(digest(back), digest(view));
});

test('big binary values keep their class both ways: Buffer, Float64Array, DataView, ArrayBuffer, several arguments', () => {
  const source = bytes(2 * MiB, 8);
  const buffer = Buffer.from(source);
  const back = m.echo(buffer);
  assert.ok(Buffer.isBuffer(back));
  assert.equal(digest(back), digest(source));
  const floats = new Float64Array(source.buffer.slice(0));
  const backFloats = m.echo(floats);
  assert.ok(backFloats instanceof Float64Array);
  assert.equal(digest(backFloats), digest(source));
  const dataView = new DataView(source.buffer, 8, MiB);
  const backView = m.echo(dataView);
  assert.ok(backView instanceof DataView);
  assert.equal(backView.byteLength, MiB);
  assert.equal(digest(backView), digest(dataView));
  const arrayBuffer = source.buffer.slice(0);
  const backBuffer = m.echo(arrayBuffer);
  assert.ok(backBuffer instanceof ArrayBuffer);
  assert.equal(digest(backBuffer), digest(source));
  assert.equal(m.describe(floats).kind, 'Float64Array');
  assert.equal(m.describe(arrayBuffer).kind, 'ArrayBuffer');
});

test("a callback's big answer reaches the worker intact", () => {
  const answer = bytes(5 * MiB, 11);
  assert.deepEqual(
    m.describeAnswer(() => answer),
    { kind: 'Uint8Array', byteLength: 5 * MiB, shared: false, digest: digest(answer) },
  );
});

test('one big array passed twice arrives as one array, as the structured clone keeps it', () => {
  const sent = bytes(2 * MiB, 12);
  const [first, second, sameInWorker] = m.pair(sent, sent);
  assert.equal(sameInWorker, true);
  assert.equal(first, second);
  assert.equal(digest(first), digest(sent));
});
