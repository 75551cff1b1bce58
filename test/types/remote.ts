// Compile-time proof of Remote<T>, Sync<F> and Syncified<T> for objects that cross by reference (issue 10).
// Each @ts-expect-error line must be an error, so a type that is too loose fails the build as well.
// The types come from the source until src/index.ts exports Remote and Sync (then: from 'syncbridge').
import type { Remote, Sync, Syncified } from 'syncbridge';
import type { Chunk, Completion, Stream } from './sdk.js';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}
declare function use(...values: unknown[]): void;

const sdk = null as unknown as Syncified<typeof import('./sdk.js')>;

// An exported class is constructible, with each constructor overload, and builds a Remote.
{
  using client = new sdk.Client({ apiKey: 'k' });
  const other = new sdk.Client('k');
  expectType<Equal<typeof other, Remote<import('./sdk.js').Client>>>();
  // @ts-expect-error the constructor's parameters are checked
  new sdk.Client(42);
  // @ts-expect-error a class is constructed, not called
  sdk.Client({ apiKey: 'k' });

  // Nested resources are Remote too, and each overload of create() keeps its own result.
  const completion = client.chat.completions.create({ prompt: 'hi' });
  expectType<Equal<typeof completion, Completion>>();
  expectType<Equal<typeof completion.usage.at, Date>>();
  const explicit = client.chat.completions.create({ prompt: 'hi', stream: false });
  expectType<Equal<typeof explicit, Completion>>();
  const stream = client.chat.completions.create({ prompt: 'hi', stream: true });
  expectType<Equal<typeof stream, Remote<Stream<Chunk>>>>();
  for (const chunk of stream) expectType<Equal<typeof chunk, Chunk>>();
  const either = client.chat.completions.create({ prompt: 'hi', stream: Math.random() > 0.5 });
  expectType<Equal<typeof either, Remote<Stream<Chunk>> | Completion>>();
  // @ts-expect-error no overload takes a number prompt
  client.chat.completions.create({ prompt: 1 });
  // @ts-expect-error a plain completion is not iterable
  for (const _ of completion) use(_);
  // @ts-expect-error the stream is iterated synchronously: no for await needed, and no async iterator left
  void stream[Symbol.asyncIterator];

  // A stream's own methods are synchronous, and what they return crosses by reference.
  const [left, right] = stream.tee();
  expectType<Equal<typeof left, Remote<Stream<Chunk>>>>();
  expectType<Equal<ReturnType<typeof right.toArray>, Chunk[]>>();
  expectType<Equal<typeof stream.controller, Remote<AbortController>>>();
  stream.controller.abort();

  // A property read gives the current value; a promise-valued one gives the awaited value.
  expectType<Equal<typeof client.ready, boolean>>();
  expectType<Equal<typeof client.apiKey, string>>();
  // @ts-expect-error properties are read, not assigned, through a proxy
  client.apiKey = 'other';
  // @ts-expect-error protected members are not part of the proxy
  void client.secret;
  // @ts-expect-error a proxy is never thenable
  void client.then;
  // @ts-expect-error close() returns nothing, not a Promise
  void client.close().then;

  // An async generator becomes a Generator with the same yield, return and next types.
  const models = client.models();
  const generator: Generator<{ name: string }, number, undefined> = models;
  for (const model of models) expectType<Equal<typeof model, { name: string }>>();
  const step = models.next();
  if (step.done) expectType<Equal<typeof step.value, number>>();
  else expectType<Equal<typeof step.value, { name: string }>>();
  // @ts-expect-error items are plain data, not promises
  void step.value.then;
  // @ts-expect-error next() is synchronous
  void models.next().then;

  // Plain data holding a by-reference value: the data as it is, the reference as a Remote.
  const session = client.session();
  expectType<Equal<typeof session, { id: string; stream: Remote<Stream<Chunk>>; tags: string[] }>>();
  use(generator, right, session);
}

// Static methods of an exported class are synchronous; static values are not exported as callable.
{
  const client = sdk.Client.fromEnv();
  expectType<Equal<typeof client, Remote<import('./sdk.js').Client>>>();
  client[Symbol.dispose]();
  // @ts-expect-error only static methods are on a syncified class
  void sdk.Client.VERSION;
}

// An overloaded function export keeps every overload; a value export is not callable.
{
  const byUrl = sdk.connect('https://example.com');
  const byHost = sdk.connect({ host: 'example.com', port: 443 });
  expectType<Equal<typeof byUrl, Remote<import('./sdk.js').Client>>>();
  expectType<Equal<typeof byHost, Remote<import('./sdk.js').Client>>>();
  // @ts-expect-error no overload takes a number
  sdk.connect(443);
  // @ts-expect-error a non-function export is not callable
  sdk.defaults();

  // A callable export keeps its methods, synchronous; its other properties are left out.
  const page: string = sdk.request('https://example.com');
  expectType<Equal<ReturnType<typeof sdk.request.get>, { status: number }>>();
  // @ts-expect-error only methods of a callable export are kept
  void sdk.request.retries;
  use(page);
}

// Sync<F>: one signature maps cleanly, overloads each on their own, generics to their constraints.
declare function one(x: number): Promise<string>;
declare function two(x: number): Promise<number>;
declare function two(x: string): Promise<string>;
declare function two(): void;
declare function generic<T>(x: T): Promise<T>;
declare function keyed<K extends 'a' | 'b'>(key: K): Promise<{ a: 1; b: 2 }[K]>;
expectType<Equal<Sync<typeof one>, (x: number) => string>>();
expectType<Equal<Sync<typeof two>, ((x: number) => number) & ((x: string) => string) & (() => void)>>();
expectType<Equal<Sync<typeof generic>, (x: unknown) => unknown>>();
expectType<Equal<Sync<typeof keyed>, (key: 'a' | 'b') => 1 | 2>>();
expectType<Equal<Sync<(...args: any[]) => any>, (...args: any[]) => any>>();
expectType<Equal<Sync<() => Promise<unknown>>, () => unknown>>();
expectType<Equal<Sync<any>, (...args: any[]) => any>>();
// An `any` export (untyped syncify, checked JavaScript) can be called, constructed and read like at run time.
expectType<Equal<ReturnType<Syncified<{ loose: any }>['loose']>, any>>();
new (null as unknown as Syncified<{ Client: any }>).Client({ apiKey: 'k' });
// @ts-expect-error the mapped overloads still reject what no overload takes
(null as unknown as Sync<typeof two>)(true);

// Up to ten overloads are told apart; beyond that the last ten are kept.
type Ten = {
  (x: 0): Promise<'0'>;
  (x: 1): Promise<'1'>;
  (x: 2): Promise<'2'>;
  (x: 3): Promise<'3'>;
  (x: 4): Promise<'4'>;
  (x: 5): Promise<'5'>;
  (x: 6): Promise<'6'>;
  (x: 7): Promise<'7'>;
  (x: 8): Promise<'8'>;
  (x: 9): Promise<'9'>;
};
type Eleven = Ten & ((x: 10) => Promise<'10'>);
declare const ten: Sync<Ten>;
declare const eleven: Sync<Eleven>;
const zero: '0' = ten(0);
const nine: '9' = ten(9);
const last: '10' = eleven(10);
// @ts-expect-error the first of eleven overloads is past the limit
eleven(0);
use(zero, nine, last);

// What comes back: data keeps its type, objects with methods and functions cross by reference.
class Counter {
  count = 0;
  increment(): Promise<number> {
    return Promise.resolve(++this.count);
  }
}
interface User {
  id: number;
  name: string;
  tags: readonly string[];
  joined: Date;
  friends: User[];
}
type Api = Remote<{
  user(): Promise<User>;
  bytes(): Promise<Uint8Array>;
  map(): Map<string, number>;
  url(): Promise<URL>;
  query(): URLSearchParams;
  blob(): Promise<Blob>;
  error(): Promise<TypeError>;
  when(): Promise<{ at: Date; pattern: RegExp; set: Set<string> }>;
  counter(): Counter;
  counters(): Promise<Counter[]>;
  pair(): [Counter, number];
  callback(): () => Promise<number>;
  ticks(): Generator<Counter, void, undefined>;
  maybe(): Promise<Counter | undefined>;
  anything(): Promise<any>;
  nothing(): unknown;
  readonly config: { retries: number };
  readonly loose: any;
  readonly pending: PromiseLike<string>;
  readonly maybeMethod?: () => Promise<number>;
}>;
declare const api: Api;
expectType<Equal<ReturnType<Api['user']>, User>>();
expectType<Equal<ReturnType<Api['bytes']>, Uint8Array>>();
expectType<Equal<ReturnType<Api['map']>, Map<string, number>>>();
expectType<Equal<ReturnType<Api['url']>, URL>>();
expectType<Equal<ReturnType<Api['query']>, URLSearchParams>>();
expectType<Equal<ReturnType<Api['blob']>, Blob>>();
expectType<Equal<ReturnType<Api['error']>, TypeError>>();
expectType<Equal<ReturnType<Api['when']>, { at: Date; pattern: RegExp; set: Set<string> }>>();
expectType<Equal<ReturnType<Api['counter']>, Remote<Counter>>>();
expectType<Equal<ReturnType<Api['counters']>, Remote<Counter>[]>>();
expectType<Equal<ReturnType<Api['pair']>, [Remote<Counter>, number]>>();
expectType<Equal<ReturnType<Api['maybe']>, Remote<Counter> | undefined>>();
expectType<Equal<ReturnType<Api['anything']>, any>>();
expectType<Equal<ReturnType<Api['nothing']>, unknown>>();
expectType<Equal<Api['config'], { retries: number }>>();
expectType<Equal<Api['loose'], any>>();
expectType<Equal<Api['pending'], string>>();
expectType<Equal<Api['maybeMethod'], (() => number) | undefined>>();
const counter = api.counter();
const next: number = counter.increment();
expectType<Equal<typeof counter.count, number>>();
const ticks: Generator<Remote<Counter>, void, undefined> = api.ticks();
for (const tick of api.ticks()) expectType<Equal<typeof tick, Remote<Counter>>>();
const callback = api.callback();
const called: number = callback();
callback[Symbol.dispose]();
use(next, called, ticks);
// @ts-expect-error a Remote is not the object it stands for (it is branded)
const notRemote: Remote<Counter> = new Counter();
// @ts-expect-error nor is the object a Remote of itself
const notCounter: Counter = counter;
use(notRemote, notCounter);

// Remote<unknown> is any proxy (what release() takes): instances and functions that came back, not plain
// objects, nor a module's own exports.
declare function release(proxy: Remote<unknown>): void;
release(counter);
release(callback);
release(api);
// @ts-expect-error a plain object is not a proxy
release({ [Symbol.dispose]() {} });
// @ts-expect-error a module's function export is not a proxy to release
release(sdk.connect);
