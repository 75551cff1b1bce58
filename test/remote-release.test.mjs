// The lifetime of worker objects behind proxies: release(), Symbol.dispose, garbage collection, and what a
// proxy says once its object or its worker is gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep, setImmediate as turn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ErrorCodes, close, release, runSync, syncify, transfer } from 'syncbridge';
import { assertBridgeError, fixture } from './helpers.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const sdk = syncify(fixture('sdk.mjs'), { timeout: 60_000 });

test('after release(), any use of the proxy throws ERR_SYNCBRIDGE_RELEASED naming the object', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.equal(client.whoami().model, 'tiny');
  release(client);
  assertBridgeError(() => client.whoami(), ErrorCodes.RELEASED, /Client #\d+/, /was released/);
  assertBridgeError(() => client.model, ErrorCodes.RELEASED, /Client #\d+/);
  assertBridgeError(() => sdk.sameObject(client, client), ErrorCodes.CLONE, /argument 1 is a proxy of Client #\d+, which was released/);
  release(client); // twice is harmless
});

test('release() of something that is not a proxy says what it needs', () => {
  assertBridgeError(() => release({}), ErrorCodes.INVALID_ARG, /release\(\) needs a proxy of a worker object/);
});

test("release() runs the object's own Symbol.asyncDispose in the worker, then frees it", () => {
  const before = sdk.liveClients();
  const client = sdk.createClient({ apiKey: 'k' });
  sdk.logged();
  release(client);
  assert.deepEqual(sdk.logged(), ['client disposed']);
  assert.equal(sdk.liveClients(), before);
});

test("Symbol.dispose runs the object's own Symbol.asyncDispose in the worker, then releases it", () => {
  const before = sdk.liveClients();
  const client = sdk.createClient({ apiKey: 'k' });
  assert.equal(sdk.liveClients(), before + 1);
  sdk.logged();
  client[Symbol.dispose]();
  assert.deepEqual(sdk.logged(), ['client disposed']);
  assert.equal(sdk.liveClients(), before);
  assertBridgeError(() => client.whoami(), ErrorCodes.RELEASED);
});

test('release frees the object in the worker', async () => {
  const things = Array.from({ length: 50 }, (_, i) => sdk.newThing(i));
  const { alive: before } = sdk.aliveThings();
  for (const thing of things) release(thing);
  const { alive: after } = sdk.aliveThings();
  assert.ok(after <= before - 50, `alive before ${before}, after ${after}`);
});

test('creating and dropping 100,000 proxies leaves the live objects in the worker flat', async () => {
  const start = sdk.aliveThings().alive;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 10_000; i++) assert.equal(sdk.newThing(i).value(), i); // a temporary proxy, used once
    gc();
    await turn(); // finalizers run on the event loop; the handles go with the next call
    await turn();
  }
  gc();
  await turn();
  sdk.liveClients(); // a call that carries the last releases
  const { made, alive } = sdk.aliveThings();
  assert.ok(made >= 100_000);
  assert.ok(alive - start < 20_000, `${alive - start} of 100,000 dropped proxies' objects are still alive in the worker`);
});

test("when the worker ends, its proxies throw ERR_SYNCBRIDGE_RELEASED saying so, with the worker's failure as cause", async () => {
  sdk.echo(0); // the worker is up (a loaded machine may take longer than the short timeout to start one)
  const short = syncify(fixture('sdk.mjs'), { timeout: 300 });
  const client = new short.Client({ apiKey: 'k' });
  assert.equal(client.model, 'tiny');
  const slow = syncify(fixture('faults.mjs'), { timeout: 300 });
  const timeout = assertBridgeError(() => slow.neverSettles(), ErrorCodes.TIMEOUT);
  const error = assertBridgeError(() => client.whoami(), ErrorCodes.RELEASED, /Client #\d+/, /the worker that held it has ended/, /timed out/);
  assert.equal(error.cause, timeout);
  assert.match(
    error.message.split('\n')[0],
    /\[cause: SyncBridgeError \[ERR_SYNCBRIDGE_TIMEOUT\]: neverSettles\(\) from .*faults\.mjs did not finish within 300 ms/,
  );
  assert.equal(sdk.echo(1), 1, 'the next call starts a fresh worker');
});

test('close() ends the proxies of the workers it stops', async () => {
  const client = new sdk.Client({ apiKey: 'k' });
  await close();
  assertBridgeError(() => client.whoami(), ErrorCodes.RELEASED, /close\(\) stopped it/);
  assert.equal(
    runSync(async () => 2),
    2,
  );
});

test('releases queued when a callback answers between calls go with its answer, and are not lost', async () => {
  const seen = [];
  const listener = (value) => seen.push(value);
  sdk.on('released-with-reply', listener);
  const start = sdk.aliveThings().alive;
  sdk.emitLater('released-with-reply', 'fired', 300);
  for (let i = 0; i < 100; i++) assert.equal(sdk.newThing(i).value(), i); // temporary proxies
  await turn(); // WeakRefs hold their targets until the job that made them ends
  gc();
  await turn(); // finalizers run: 100 releases wait for the next message to the worker
  await turn();
  await sleep(600); // that message is the listener's answer
  assert.deepEqual(seen, ['fired']);
  const { alive } = sdk.aliveThings();
  assert.ok(alive - start < 50, `${alive - start} of 100 dropped proxies' objects are still alive in the worker`);
  sdk.off('released-with-reply', listener);
});

test('an object that comes back (in a callback between calls) while the release of its last proxy is still queued keeps working', async () => {
  let proxy = runSync(() => {
    globalThis.comesBack = new (class ComesBack {
      value() {
        return 7;
      }
    })();
    return globalThis.comesBack;
  });
  assert.equal(proxy.value(), 7);
  let outcome;
  runSync(
    (listener) => {
      setTimeout(() => listener(globalThis.comesBack), 300);
    },
    (again) => {
      try {
        runSync(() => 0); // a call: it carries the queued releases
        outcome = again.value();
      } catch (error) {
        outcome = error;
      }
    },
  );
  proxy = undefined;
  await turn();
  gc();
  await turn(); // the first proxy's release is queued now
  await turn();
  await sleep(600); // the object comes back, to a new proxy, before that release is sent
  assert.equal(outcome, 7, outcome?.stack);
});

test('releases taken for a request that could not be sent go with the next one', async () => {
  const start = sdk.aliveThings().alive;
  for (let i = 0; i < 100; i++) assert.equal(sdk.newThing(i).value(), i); // temporary proxies
  await turn();
  gc();
  await turn(); // 100 releases queued
  await turn();
  // Not a transferable: posting the request fails in this thread.
  assertBridgeError(() => sdk.echo(transfer({ n: 1 }, [{}])), ErrorCodes.CLONE, /cannot be sent to the worker/);
  const { alive } = sdk.aliveThings();
  assert.ok(alive - start < 50, `${alive - start} of 100 dropped proxies' objects are still alive in the worker`);
});
