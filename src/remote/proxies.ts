/**
 * In the calling thread: synchronous proxies of objects that live in the worker (remote objects), and the
 * table of them per worker (a Connection). A proxy holds only a handle; every use is a call on the bridge
 * that made it. Identity: one proxy per handle while it lives, so `client.chat === client.chat`. Release:
 * explicitly (release(), Symbol.dispose), or when the proxy is garbage-collected (a FinalizationRegistry
 * queues the handle, sent along with the next request). A call in flight keeps its proxy reachable (the
 * functions that make calls close over it), so a proxy is never collected mid-call.
 */
import { inspect } from 'node:util';
import { ErrorCodes, libraryError, SyncBridgeError } from '../errors.js';
import type { CallSettings } from '../config/options.js';
import { Op } from '../wire/protocol.js';
import { type CallbackMarker, Iteration, MARK, type Marker, type RefMarker } from './markers.js';

/** A function of this thread that the worker holds: `sent` counts the times it was passed (see dropCallback). */
interface Callback {
  fn: (...args: unknown[]) => unknown;
  thisArg: object | undefined;
  sent: number;
}

/** What a proxy needs of the bridge that made it. */
export interface RemoteHost {
  call(op: Op, target: string | number, key: string | number, args: unknown[], settings: CallSettings, site: RemoteSite, connection: Connection): unknown;
}

export interface RemoteSite {
  label: string;
  entry: (...args: never[]) => unknown;
}

interface ProxyState {
  host: RemoteHost;
  connection: Connection;
  marker: RefMarker;
  settings: CallSettings;
  released: boolean;
  /** One stub per method name, so that `proxy.method === proxy.method`. */
  methods: Map<string, (...args: unknown[]) => unknown>;
  proxy?: object;
}

/** Proxy → its state; also target → state for the traps, which see the target. */
const states = new WeakMap<object, ProxyState>();

export function stateOf(value: unknown): ProxyState | undefined {
  return (typeof value === 'object' || typeof value === 'function') && value !== null ? states.get(value) : undefined;
}

export function describeRemote(state: ProxyState): string {
  return `${state.marker.type === 'function' ? 'function ' : ''}${state.marker.name} #${state.marker.id}`;
}

/** The caller's side of one worker's lifetime: its live proxies, and why it ended, once it has. */
export class Connection {
  readonly #proxies = new Map<number, { ref: WeakRef<object>; token: object }>();
  /** Handles whose proxies were collected, to be freed with the next request. */
  readonly #pendingReleases = new Set<number>();
  endedBy: { reason: string; cause?: unknown } | undefined;
  readonly #registry = new FinalizationRegistry<{ id: number; token: object }>(({ id, token }) => {
    if (this.#proxies.get(id)?.token !== token) return; // a newer proxy of the same handle is alive
    this.#proxies.delete(id);
    if (!this.endedBy) this.#pendingReleases.add(id);
  });

  /** Iterations (worker handles of iterators) whose caller-side iterator was dropped mid-way. */
  readonly #iterations = new FinalizationRegistry<number>((id) => {
    if (!this.endedBy) this.#pendingReleases.add(id);
  });

  readonly #callbacks = new Map<number, Callback>();
  readonly #callbackIds = new WeakMap<object, number>();
  #nextCallback = 1;

  /** The marker for a function passed to the worker: the same id for the same function while the worker holds it. */
  callbackMarker(fn: (...args: unknown[]) => unknown, thisArg: object | undefined): CallbackMarker {
    let id = this.#callbackIds.get(fn);
    let callback = id === undefined ? undefined : this.#callbacks.get(id);
    if (id === undefined || !callback) {
      id = this.#nextCallback++;
      callback = { fn, thisArg, sent: 0 };
      this.#callbacks.set(id, callback);
      this.#callbackIds.set(fn, id);
    }
    if (thisArg !== undefined) callback.thisArg = thisArg;
    callback.sent++;
    return { [MARK]: 'callback', id, name: fn.name };
  }

  callback(id: number): Callback | undefined {
    return this.#callbacks.get(id);
  }

  /**
   * The worker let go of a callback it had received `arrivals` times. Forget it only if that is every time
   * it was sent: a marker still on its way would arrive to a callback we no longer hold.
   */
  dropCallback(id: number, arrivals: number): void {
    const callback = this.#callbacks.get(id);
    if (!callback) return;
    callback.sent -= arrivals;
    if (callback.sent > 0) return;
    this.#callbacks.delete(id);
    this.#callbackIds.delete(callback.fn);
  }

  takeReleases(): number[] | undefined {
    if (this.#pendingReleases.size === 0) return undefined;
    const releases = [...this.#pendingReleases];
    this.#pendingReleases.clear();
    return releases;
  }

  /** Releases taken for a message that could not be sent: they go with the next one instead. */
  requeueReleases(releases: readonly number[]): void {
    if (this.endedBy) return;
    for (const id of releases) this.#pendingReleases.add(id);
  }

  end(reason: string, cause?: unknown): void {
    this.endedBy ??= { reason, cause };
    this.#pendingReleases.clear();
    this.#callbacks.clear();
  }

  /** The proxy for a reference that arrived in a result: the existing one for its handle, or a new one. */
  proxyFor(marker: RefMarker, host: RemoteHost, settings: CallSettings): object {
    const existing = this.#proxies.get(marker.id)?.ref.deref();
    if (existing) return existing;
    // The handle came back (in a callback's arguments, between calls) after its last proxy was collected
    // but before that release went out: the worker still holds the object, and the new proxy needs it.
    this.#pendingReleases.delete(marker.id);
    const state: ProxyState = { host, connection: this, marker, settings, released: false, methods: new Map() };
    const proxy = makeProxy(state);
    const token = {};
    this.#proxies.set(marker.id, { ref: new WeakRef(proxy), token });
    this.#registry.register(proxy, { id: marker.id, token }, token);
    (state as { token?: object }).token = token;
    return proxy;
  }

  /**
   * An iteration the caller's `iterator` drives: if the iterator is collected before the iteration ended
   * (a few next() calls by hand, then dropped), its handle is released like a proxy's.
   */
  trackIteration(iterator: object, id: number): void {
    this.#iterations.register(iterator, id, iterator);
  }

  /** The iteration ended (done, failed, or returned), and the worker let go of it. */
  untrackIteration(iterator: object): void {
    this.#iterations.unregister(iterator);
  }

  /** Forgets a proxy released on purpose: no release is sent for it when it is collected. */
  forget(state: ProxyState): void {
    const token = (state as { token?: object }).token;
    if (token) this.#registry.unregister(token);
    if (this.#proxies.get(state.marker.id)?.token === token) this.#proxies.delete(state.marker.id);
  }
}

/** Revives a marker that arrived from the worker. */
export function reviveResult(marker: Marker, connection: Connection, host: RemoteHost, settings: CallSettings): unknown {
  switch (marker[MARK]) {
    case 'ref':
      return connection.proxyFor(marker, host, settings);
    case 'url':
      return new URL(marker.href);
    case 'params':
      return new URLSearchParams(marker.search);
    case 'callback': {
      // One of our own functions, come back: itself again.
      const callback = connection.callback(marker.id);
      if (callback) return callback.fn;
      throw new SyncBridgeError(
        ErrorCodes.RELEASED,
        `The worker returned callback #${marker.id} (${marker.name || 'anonymous'}), which this thread no longer holds.`,
      );
    }
    default:
      throw new Error(`syncbridge: protocol error, unexpected ${String(marker[MARK])} marker in a result`);
  }
}

function releasedError(state: ProxyState, entry: RemoteSite['entry']): SyncBridgeError {
  const what = `${describeRemote(state)} (a proxy of an object in the worker)`;
  const ended = state.connection.endedBy;
  return ended
    ? libraryError(
        ErrorCodes.RELEASED,
        `${what} cannot be used: the worker that held it has ended (${ended.reason}), and the object with it. Create the object again.`,
        { entry, cause: ended.cause },
      )
    : libraryError(ErrorCodes.RELEASED, `${what} was released (release() or Symbol.dispose) and cannot be used any more.`, { entry });
}

/** Throws ERR_SYNCBRIDGE_RELEASED if the proxy can no longer be used. */
export function assertUsable(state: ProxyState, entry: RemoteSite['entry']): void {
  if (state.released || state.connection.endedBy) throw releasedError(state, entry);
}

function call(state: ProxyState, op: Op, key: string | number, args: unknown[], label: string, entry: RemoteSite['entry']): unknown {
  assertUsable(state, entry);
  return state.host.call(op, state.marker.id, key, args, state.settings, { label, entry }, state.connection);
}

/** Property names tools probe on any object (promises, test matchers, React, serializers): no round trip. */
const PROBES = new Set(['then', 'asymmetricMatch', '$$typeof', 'nodeType', '__esModule', 'inspect', 'constructor', 'prototype', 'toJSON']);

const handler: ProxyHandler<object> = {
  get(target, key, receiver) {
    const state = states.get(target)!;
    if (typeof key === 'symbol') {
      if (key === Symbol.iterator) return state.marker.iteration !== Iteration.NONE ? () => new RemoteIterator(state, receiver as object) : undefined;
      if (key === (Symbol as { dispose?: symbol }).dispose) return () => disposeRemote(receiver);
      if (key === Symbol.toPrimitive) return (hint: string) => (hint === 'number' ? Number.NaN : `[remote ${describeRemote(state)}]`);
      if (key === Symbol.toStringTag) return `Remote ${state.marker.name}`;
      return Reflect.get(target, key);
    }
    if (state.marker.methods.includes(key)) return methodStub(state, key, receiver as object);
    if (PROBES.has(key)) {
      if (key === 'toJSON') return () => `[remote ${describeRemote(state)}]`;
      return undefined;
    }
    return call(state, Op.GET, key, [], `reading ${state.marker.name}.${key}`, handler.get!);
  },
  set(target, key, value) {
    const state = states.get(target)!;
    if (typeof key === 'symbol') return false;
    call(state, Op.SET, key, [value], `setting ${state.marker.name}.${key}`, handler.set!);
    return true;
  },
  has(target, key) {
    const state = states.get(target)!;
    if (typeof key === 'symbol') return key === Symbol.iterator ? state.marker.iteration !== Iteration.NONE : Reflect.has(target, key);
    return state.marker.methods.includes(key) || (call(state, Op.KEYS, '', [], `the keys of ${state.marker.name}`, handler.has!) as string[]).includes(key);
  },
  ownKeys(target) {
    const state = states.get(target)!;
    const keys = call(state, Op.KEYS, '', [], `the keys of ${state.marker.name}`, handler.ownKeys!) as string[];
    // A function's own non-configurable keys must be listed too (a Proxy invariant); a bound function has none.
    return [...keys, ...Reflect.ownKeys(target).filter((k) => typeof k === 'symbol')];
  },
  getOwnPropertyDescriptor(target, key) {
    const state = states.get(target)!;
    if (typeof key === 'symbol') return Reflect.getOwnPropertyDescriptor(target, key);
    const keys = call(state, Op.KEYS, '', [], `the keys of ${state.marker.name}`, handler.getOwnPropertyDescriptor!) as string[];
    if (!keys.includes(key)) return undefined;
    const value = call(state, Op.GET, key, [], `reading ${state.marker.name}.${key}`, handler.getOwnPropertyDescriptor!);
    return { value, writable: true, enumerable: true, configurable: true };
  },
  apply(target, thisArg, args) {
    const state = states.get(target)!;
    const self = stateOf(thisArg);
    const thisId = self && self.connection === state.connection ? self.marker.id : -1;
    return call(state, Op.APPLY, thisId, args, `${state.marker.name}()`, handler.apply!);
  },
  construct(target, args) {
    const state = states.get(target)!;
    return call(state, Op.CONSTRUCT, '', args, `new ${state.marker.name}()`, handler.construct!) as object;
  },
  defineProperty() {
    return false;
  },
  deleteProperty() {
    return false;
  },
};

function methodStub(state: ProxyState, key: string, proxy: object): (...args: unknown[]) => unknown {
  let stub = state.methods.get(key);
  if (!stub) {
    const label = `${state.marker.name}.${key}()`;
    // Named like the method; it closes over the proxy, so a call in flight keeps the proxy alive.
    stub = {
      [key](...args: unknown[]) {
        void proxy;
        return call(state, Op.CALL_METHOD, key, args, label, stub!);
      },
    }[key]!;
    state.methods.set(key, stub);
  }
  return stub;
}

function makeProxy(state: ProxyState): object {
  // A bound function has no own `prototype` (which a Proxy would have to report) and is constructible.
  const target: object = state.marker.type === 'function' ? function remote() {}.bind(null) : {};
  Object.defineProperty(target, inspect.custom, {
    // util.inspect and console.log look at a proxy's target, not through its traps.
    value: () => `[remote ${describeRemote(state)}${state.released || state.connection.endedBy ? ', released' : ''}]`,
  });
  states.set(target, state);
  const proxy = new Proxy(target, handler);
  states.set(proxy, state);
  state.proxy = proxy;
  return proxy;
}

/** A synchronous iterator over a remote iterable: items come in batches, return() runs the remote one's. */
class RemoteIterator implements Iterator<unknown> {
  #iterator = 0;
  #items: unknown[] = [];
  #done = false;
  constructor(
    private readonly state: ProxyState,
    private readonly proxy: object,
  ) {}

  next(): IteratorResult<unknown> {
    if (this.#items.length > 0) return { value: this.#items.shift(), done: false };
    if (this.#done) return { value: undefined, done: true };
    void this.proxy;
    if (this.#iterator === 0) {
      this.#iterator = call(this.state, Op.ITER_OPEN, '', [], `iterating ${this.state.marker.name}`, this.next) as number;
      this.state.connection.trackIteration(this, this.#iterator);
    }
    let batch: [unknown[], boolean, unknown];
    try {
      batch = this.state.host.call(
        Op.ITER_NEXT,
        this.#iterator,
        '',
        [],
        this.state.settings,
        { label: `iterating ${this.state.marker.name}`, entry: RemoteIterator.prototype.next },
        this.state.connection,
      ) as [unknown[], boolean, unknown];
    } catch (error) {
      this.#done = true;
      this.state.connection.untrackIteration(this);
      throw error;
    }
    const [items, done, value] = batch;
    this.#done = done;
    if (done) this.state.connection.untrackIteration(this);
    this.#items = items;
    if (this.#items.length > 0) return { value: this.#items.shift(), done: false };
    return { value, done: true };
  }

  return(value?: unknown): IteratorResult<unknown> {
    const open = this.#iterator !== 0 && !this.#done;
    this.#done = true;
    this.#items = [];
    if (open) this.state.connection.untrackIteration(this);
    if (open && !this.state.connection.endedBy) {
      this.state.host.call(
        Op.ITER_RETURN,
        this.#iterator,
        '',
        [],
        this.state.settings,
        { label: `ending the iteration of ${this.state.marker.name}`, entry: RemoteIterator.prototype.return },
        this.state.connection,
      );
    }
    return { value, done: true };
  }

  throw(error?: unknown): IteratorResult<unknown> {
    this.return();
    throw error;
  }

  [Symbol.iterator](): this {
    return this;
  }
}
// Iterator helpers (map, filter, take …) where the runtime has them (Node 22+), as on a real generator.
const IteratorPrototype = (globalThis as { Iterator?: { prototype: object } }).Iterator?.prototype;
if (IteratorPrototype) Object.setPrototypeOf(RemoteIterator.prototype, IteratorPrototype);

/**
 * release(proxy) and proxy[Symbol.dispose]() (so `using`): runs the object's own Symbol.asyncDispose or
 * Symbol.dispose in the worker, if it has one (a client logs out, a pool closes), then frees it there; later
 * uses of the proxy throw ERR_SYNCBRIDGE_RELEASED. A proxy that is garbage-collected is freed without that.
 */
export function releaseRemote(value: unknown, entry: RemoteSite['entry']): boolean {
  const state = stateOf(value);
  if (!state) return false;
  if (state.released) return true;
  const connection = state.connection;
  try {
    if (!connection.endedBy) call(state, Op.DISPOSE, '', [], `releasing ${describeRemote(state)}`, entry);
  } finally {
    state.released = true;
    connection.forget(state);
  }
  return true;
}

function disposeRemote(proxy: unknown): void {
  releaseRemote(proxy, disposeRemote);
}
