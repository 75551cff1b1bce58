// Async iterables of the worker (async generators, Node Readables, web ReadableStreams, an SDK's stream
// object) consumed synchronously with for…of, spread and Array.from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { syncify } from 'syncbridge';
import { fixture } from './helpers.mjs';

const sdk = syncify(fixture('sdk.mjs'), { timeout: 20_000 });

test('an async generator works with for…of, spread and Array.from', () => {
  const seen = [];
  for (const n of sdk.countTo(4)) seen.push(n);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.deepEqual([...sdk.countTo(3)], [1, 2, 3]);
  assert.deepEqual(Array.from(sdk.countTo(2)), [1, 2]);
  assert.deepEqual([...sdk.countTo(0)], []);
});

test('a Node Readable and a web ReadableStream are iterated item by item', () => {
  assert.deepEqual([...sdk.readable(['a', 'b', 'c'])], ['a', 'b', 'c']);
  assert.deepEqual([...sdk.webStream([1, 2, 3])], [1, 2, 3]);
});

test("an SDK's stream object returned by a method is iterated, and its generator's finally runs in the worker", () => {
  const client = new sdk.Client({ apiKey: 'k' });
  sdk.logged();
  const tokens = [];
  for (const chunk of client.chat.completions.create({ prompt: 'one two three', stream: true })) tokens.push(chunk.token);
  assert.deepEqual(tokens, ['one', 'two', 'three']);
  assert.deepEqual(sdk.logged(), ['stream closed']);
});

test("break in the loop calls return() in the worker, so the generator's finally blocks run there", () => {
  const client = new sdk.Client({ apiKey: 'k' });
  sdk.logged();
  for (const item of client.list({ pages: 1000 })) {
    if (item.n === 3) break;
  }
  assert.deepEqual(sdk.logged(), ['list finally']);
});

test('a throw in the loop calls return() in the worker too', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  sdk.logged();
  assert.throws(() => {
    for (const item of client.list({ pages: 1000 })) {
      if (item.n === 1) throw new Error('consumer stopped');
    }
  }, /consumer stopped/);
  assert.deepEqual(sdk.logged(), ['list finally']);
});

test('an error the stream throws reaches the loop after the items before it, with its class and code', () => {
  const seen = [];
  assert.throws(
    () => {
      for (const n of sdk.failsAfter(3)) seen.push(n);
    },
    (e) => e instanceof Error && e.code === 'E_BROKE' && e.message === 'stream broke',
  );
  assert.deepEqual(seen, [1, 2, 3]);
});

test('a slow stream yields each item as soon as it arrives, not a batch later', () => {
  const seen = [];
  for (const n of sdk.slow(5, 15)) seen.push([n, sdk.producedSoFar()]);
  // When the loop sees item n, the stream has produced item n, and at most one more asked for ahead.
  for (const [n, produced] of seen) assert.ok(produced <= n + 1, `item ${n} arrived after ${produced} were produced`);
  assert.deepEqual(
    seen.map(([n]) => n),
    [1, 2, 3, 4, 5],
  );
});

test('items are fetched ahead in bounded batches', () => {
  const iterator = sdk.fast(100_000)[Symbol.iterator]();
  assert.deepEqual(iterator.next(), { value: 1, done: false });
  const ahead = sdk.producedSoFar();
  assert.ok(ahead > 1 && ahead <= 257, `${ahead} items were produced for the first one`);
  iterator.return();
});

test('the same iterable can be iterated twice, each time from the start', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  const stream = client.chat.completions.create({ prompt: 'a b', stream: true });
  assert.deepEqual(
    [...stream].map((c) => c.token),
    ['a', 'b'],
  );
  assert.deepEqual(
    [...stream].map((c) => c.token),
    ['a', 'b'],
  );
});

test('items that are class instances arrive as proxies', () => {
  const items = [...sdk.accounts(['x', 'y'])];
  assert.deepEqual(
    items.map((a) => a.name),
    ['x', 'y'],
  );
  assert.equal(items[0].rename('z').name, 'z');
});

test('an iterator read part of the way by hand and then dropped frees its iteration in the worker', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const start = sdk.aliveThings().alive;
  for (let i = 0; i < 50; i++) {
    const iterator = sdk.holdsThing(i)[Symbol.iterator]();
    assert.deepEqual(iterator.next(), { value: 1, done: false }); // then dropped, without return()
  }
  assert.ok(sdk.aliveThings().alive - start >= 50, 'the suspended streams hold their Things');
  for (let i = 0; i < 3; i++) {
    await turn();
    gc();
  }
  await turn();
  const { alive } = sdk.aliveThings(); // this call carries the iterations' releases
  assert.ok(alive - start < 10, `${alive - start} of 50 dropped iterations are still alive in the worker`);
});
