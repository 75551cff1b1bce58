// Big payloads, copied (not transferred), both ways: they arrive intact, as their own buffers, whatever path
// they take (a growable shared payload area where the runtime has one, the MessagePort otherwise).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { syncify } from 'syncbridge';
import { fixture, runScript } from './helpers.mjs';

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

test('payloads of a repeated size (whose memory each side makes ready while it waits) arrive as buffers of their own, none overwritten by a later one', () => {
  const size = 384 * 1024;
  const sent = [];
  const back = [];
  // Enough same-sized calls for both sides to expect the size, then another size, then two in one call.
  for (let i = 0; i < 6; i++) sent.push(bytes(size, i));
  sent.push(bytes(size + 4096, 50));
  for (let i = 0; i < 3; i++) sent.push(bytes(size, 60 + i));
  for (const value of sent) back.push(m.keep(value));
  const [a, b, same] = m.pair(bytes(size, 70), bytes(size, 71));
  assert.equal(same, false);
  assert.equal(digest(a), digest(bytes(size, 70)));
  assert.equal(digest(b), digest(bytes(size, 71)));
  assert.notEqual(a.buffer, b.buffer);
  // Each answer is intact and its own; so is each copy the worker kept.
  assert.deepEqual(back.map(digest), sent.map(digest));
  assert.equal(new Set(back.map((x) => x.buffer)).size, back.length);
  for (const x of back) assert.equal(x.buffer.byteLength, x.byteLength, 'an answer owns its whole buffer');
  assert.deepEqual(m.heldDigests(), sent.map(digest));
  // A class of the same byte length, after the size was expected: still that class.
  const floats = new Float64Array(size / 8).map((_, i) => i / 3);
  const floatsBack = m.echo(floats);
  assert.ok(floatsBack instanceof Float64Array);
  assert.deepEqual(floatsBack, floats);
});

test('small typed arrays, Buffers and DataViews arrive in buffers of their own both ways, not as views into the message', () => {
  // v8 deserialization returns views into the bytes it reads: a 3-byte answer sat at offset 23 of an 8 KiB
  // buffer holding the rest of the message (or the Buffer pool), and reading its .buffer read other bytes.
  const owned = (list) => list.map((v) => [v.constructor.name, 0, v.byteLength, v.byteLength]);
  const sent = [new Uint8Array([9, 8, 7]), new Float64Array([3.25]), Buffer.from('hey'), new DataView(new ArrayBuffer(8)), new Uint16Array(5)];
  assert.deepEqual(m.layouts(sent), owned(sent));
  const back = m.smallViews();
  assert.deepEqual(
    back.map((v) => [v.constructor.name, v.byteOffset, v.buffer.byteLength, v.byteLength]),
    owned(back),
  );
  assert.deepEqual([...new Float64Array(back[1].buffer)], [1.5, 2.5]);
  assert.equal(new Set(back.map((v) => v.buffer)).size, back.length, 'no two share a buffer');
  const echoed = m.echo({ when: new Date(0), bytes: new Uint8Array([5, 6]) });
  assert.deepEqual([echoed.bytes.byteOffset, echoed.bytes.buffer.byteLength], [0, 2]);
});

test("under the process strategy, neither side holds a big message's memory once calls go on small or stop", () => {
  // Big message frames are read into a buffer kept for the next, and a repeated size gets a spare made ready:
  // both must go once big messages stop, not live as long as the worker.
  const result = runScript(
    `import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
    const m = syncify(${JSON.stringify(fixture('payloads-module.mjs').href)}, { strategy: 'process', execArgv: ['--expose-gc'], timeout: 60_000 });
    const MiB = 1024 * 1024;
    let big = m.bytes(32 * MiB, 1);
    big = m.bytes(32 * MiB, 2);
    const sent = new Uint8Array(32 * MiB).fill(3);
    m.describe(sent);
    m.describe(sent);
    big = undefined;
    m.echo(1);
    // Collected buffers are freed by a sweeper after the collection: give it a moment, twice.
    const settle = async (ms) => {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, ms));
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await settle(200);
    const caller = process.memoryUsage().arrayBuffers - sent.byteLength;
    await settle(1500);
    console.log(JSON.stringify({ caller, worker: m.arrayBuffersAfterGc() }));`,
    { args: ['--expose-gc'], timeout: 60_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  const { caller, worker } = JSON.parse(result.stdout.trim().split('\n').at(-1));
  assert.ok(caller < 8 * MiB, `the caller still holds ${(caller / MiB).toFixed(1)} MiB`);
  assert.ok(worker < 8 * MiB, `the worker process still holds ${(worker / MiB).toFixed(1)} MiB`);
});

test('a structured value read out of the shared area stays intact when later calls overwrite the area', () => {
  // v8 deserialization reads straight from shared memory: nothing it returns may still point into it.
  const first = m.echo(
    new Map([
      ['text', 'x'.repeat(300)],
      ['bytes', new Uint8Array([1, 2, 3])],
      ['when', new Date(5)],
      ['raw', new Uint8Array([7, 7]).buffer],
    ]),
  );
  for (let i = 0; i < 20; i++)
    m.echo(
      new Map([
        ['text', 'y'.repeat(300)],
        ['bytes', new Uint8Array([9, 9, 9])],
        ['raw', new Uint8Array([0, 0]).buffer],
      ]),
    );
  assert.equal(first.get('text'), 'x'.repeat(300));
  assert.deepEqual([...first.get('bytes')], [1, 2, 3]);
  assert.equal(first.get('when').getTime(), 5);
  assert.deepEqual([...new Uint8Array(first.get('raw'))], [7, 7]);
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
