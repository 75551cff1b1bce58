// Objects that live in the worker, used through synchronous proxies: classes built with `new`, methods
// with the right `this`, property paths, identity both ways, what crosses by reference and what by copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ErrorCodes, SyncBridgeError, syncify } from 'syncbridge';
import { assertBridgeError, fixture } from './helpers.mjs';

const sdk = syncify(fixture('sdk.mjs'), { timeout: 20_000 });

test('new on an exported class builds the instance in the worker and returns a synchronous proxy', () => {
  const client = new sdk.Client({ apiKey: 'k', model: 'm1' });
  assert.equal(typeof client, 'object');
  assert.deepEqual(client.whoami(), { model: 'm1', requests: 0 });
  assert.equal(client.model, 'm1');
});

test('a constructor that throws rethrows its error with class, code and message', () => {
  const error = assert.throws(
    () => new sdk.Client({}),
    (e) => e instanceof TypeError && e.code === 'E_NO_KEY' && e.message === 'apiKey is required',
  );
  void error;
});

test('a property path then a method runs in the worker, on the real object, with its state', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  const reply = client.chat.completions.create({ prompt: 'hello' });
  assert.deepEqual(reply, { id: 'cmpl-1', text: 'echo: hello', model: 'tiny' });
  client.chat.completions.create({ prompt: 'again' });
  assert.equal(client.requests, 2, 'the method ran with the client as its `this`');
});

test('reading a property returns its current value, and a getter runs in the worker', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.equal(client.requests, 0);
  client.whoami();
  client.chat.completions.create({ prompt: 'x' });
  assert.equal(client.requests, 1);
  client.requests = 41;
  assert.equal(client.whoami().requests, 41, 'a property set from the caller is seen by the worker');
  assert.ok(client.baseURL instanceof URL, 'a getter returning a URL arrives as a URL');
});

test('a method that rejects rethrows with class, code and message', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.throws(
    () => client.fails(),
    (e) => e instanceof RangeError && e.code === 'E_PAGE' && e.message === 'bad page' && /fails/.test(e.stack),
  );
});

test('the same worker object is the same proxy, and a proxy passed back is the real object again', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.equal(client.chat.completions, client.chat.completions, 'one proxy per object');
  assert.equal(client.same(client), true);
  const a = new sdk.Account('a');
  const b = new sdk.Account('b');
  assert.deepEqual(a.transfer(b, 5), { from: 'a', to: 'b', amount: 5, same: false, toIsAccount: true });
  assert.equal(a.transfer(a, 1).same, true);
  assert.equal(a.rename('z'), a, 'a method returning `this` returns the same proxy');
  assert.equal(sdk.sameObject({ x: [a] }.x[0], a), true);
  assert.equal(sdk.sameObject(a, b), false);
});

test('class instances, functions and async iterables cross by reference at any depth; plain data by copy', () => {
  const { list, map, set, fn, plain } = sdk.holders();
  assert.equal(list[0], list[1], 'the same object twice is one proxy');
  assert.equal(list[0].name, 'a');
  assert.equal(map.get('k').name, 'm');
  assert.equal([...set][0].name, 's');
  assert.equal(fn(), 'called');
  assert.equal(plain.deep.account, list[0]);
  const adder = sdk.adder(10);
  assert.equal(adder(5), 15);
  assert.deepEqual([...sdk.iterableObject()], ['x', 'y']);
});

test('URL and URLSearchParams cross by value and arrive as themselves, both ways', () => {
  const url = new URL('./fixtures/sdk.mjs', import.meta.url);
  const { text, isURL } = sdk.fileText(url);
  assert.equal(isURL, true);
  assert.match(text, /An SDK-shaped module/);
  const back = sdk.echo({ url: new URL('https://a.test/x?y=1'), params: new URLSearchParams('a=1&b=2') });
  assert.ok(back.url instanceof URL);
  assert.equal(back.url.href, 'https://a.test/x?y=1');
  assert.ok(back.params instanceof URLSearchParams);
  assert.equal(back.params.get('b'), '2');
});

test('node:fs/promises readFile takes a URL', () => {
  const fsp = syncify('node:fs/promises');
  assert.match(fsp.readFile(new URL('../package.json', import.meta.url), 'utf8'), /"name": "syncbridge"/);
});

test('in arguments, a class instance that is not a proxy is still refused with its path', () => {
  class Local {
    x = 1;
  }
  assertBridgeError(() => sdk.echo({ deep: [new Local()] }), ErrorCodes.CLONE, /argument 1 → deep\[0\] is an instance of Local/);
});

test('a proxy is never thenable, answers the probes tools make, shows what it is, and lists its keys', async () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.equal(client.then, undefined);
  assert.equal(await client, client, 'await on a proxy is harmless');
  assert.match(inspect(client), /^\[remote Client #\d+\]$/);
  assert.match(`${client}`, /remote Client/);
  assert.ok(Number.isNaN(+client));
  assert.equal(JSON.stringify({ client }), JSON.stringify({ client: `${client}` }));
  assert.deepEqual(Object.keys(client), ['requests', 'model', 'chat', 'cache']);
  assert.equal('whoami' in client, true);
  assert.equal('nope' in client, false);
  assert.equal(Object.prototype.toString.call(client), '[object Remote Client]');
});

test('a property the object does not have reads as undefined, as it would in the worker', () => {
  const client = new sdk.Client({ apiKey: 'k' });
  assert.equal(client.chat.completions.nope, undefined);
  assert.throws(() => client.nope(), TypeError);
});

test('a proxy of one worker cannot be passed to a call that runs in another', () => {
  const other = syncify(fixture('sdk.mjs'), { timeout: 20_000, env: { ...process.env, OTHER_WORKER: '1' } });
  const a = new sdk.Account('a');
  const error = assertBridgeError(() => other.sameObject(a, a), ErrorCodes.CLONE, /argument 1 is a proxy of Account #\d+/);
  assert.ok(error instanceof SyncBridgeError);
});
