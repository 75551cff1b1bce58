/**
 * Inside the worker: the objects the caller holds proxies of. A handle table (id → object, and back, so the
 * same object keeps one id and the caller one proxy), the policy that decides what in a result crosses by
 * reference, and the operations on referenced objects (methods, properties, iteration, release).
 */
import { ErrorCodes } from '../errors.js';
import { Iteration, MARK, type Marker, type RefMarker, valueMarkerOf } from '../remote/markers.js';
import type { ReferenceKind, ReferencePolicy } from '../wire/clone-check.js';
import { Failure } from './failure.js';
import { callbackFor, callbackIdOf } from './callbacks.js';

const objects = new Map<number, object>();
const ids = new WeakMap<object, number>();
let nextId = 1;

export function liveHandles(): number {
  return objects.size;
}

function idOf(value: object): number {
  let id = ids.get(value);
  if (id === undefined || !objects.has(id)) {
    id = nextId++;
    ids.set(value, id);
    objects.set(id, value);
  }
  return id;
}

export function release(handles: readonly number[]): void {
  for (const id of handles) {
    const value = objects.get(id);
    objects.delete(id);
    iterations.delete(id);
    // The next time this object crosses it gets a fresh id: a release still queued for the old one cannot
    // free the new proxy's object.
    if (value !== undefined && ids.get(value) === id) ids.delete(value);
  }
}

export function objectOf(id: number): object {
  const value = objects.get(id);
  if (value === undefined) {
    throw new Failure(ErrorCodes.RELEASED, `The remote object #${id} was released in the worker; a proxy of it cannot be used any more.`);
  }
  return value;
}

const methodCache = new WeakMap<object, string[]>();
const STOP = new Set<object | null>([Object.prototype, Function.prototype, null]);

/** Methods along the prototype chain (not own properties, which may change), read without running getters. */
function methodsOf(value: object): string[] {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || STOP.has(proto)) return [];
  let methods = methodCache.get(proto);
  if (!methods) {
    const names = new Set<string>();
    for (let p: object | null = proto; p && !STOP.has(p); p = Object.getPrototypeOf(p) as object | null) {
      for (const name of Object.getOwnPropertyNames(p)) {
        if (name === 'constructor' || names.has(name)) continue;
        const descriptor = Object.getOwnPropertyDescriptor(p, name);
        if (descriptor && typeof descriptor.value === 'function') names.add(name);
      }
    }
    methods = [...names];
    methodCache.set(proto, methods);
  }
  return methods;
}

function nameOf(value: object): string {
  try {
    if (typeof value === 'function') return value.name || 'anonymous function';
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  } catch {
    return 'Object';
  }
}

function iterationOf(value: object): Iteration {
  const v = value as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown; next?: unknown };
  if (typeof v[Symbol.asyncIterator] === 'function') return Iteration.ASYNC;
  if (typeof v[Symbol.iterator] === 'function') return Iteration.SYNC;
  // A bare iterator (next() only): async or not, the worker awaits what next() returns.
  if (typeof v.next === 'function') return Iteration.ASYNC;
  return Iteration.NONE;
}

export function refMarker(value: object): RefMarker {
  return {
    [MARK]: 'ref',
    id: idOf(value),
    type: typeof value === 'function' ? 'function' : 'object',
    name: nameOf(value),
    methods: typeof value === 'function' ? [] : methodsOf(value),
    iteration: typeof value === 'function' ? Iteration.NONE : iterationOf(value),
  };
}

const results: ReferencePolicy = {
  asyncIterables: true,
  replaced: new Map(),
  hidden: new Map(),
  replace(value: object, kind: ReferenceKind): Marker | string | undefined {
    if (kind === 'instance') return valueMarkerOf(value) ?? refMarker(value);
    if (kind === 'proxy') return 'is a Proxy; proxies cannot cross threads';
    const callback = kind === 'function' ? callbackIdOf(value) : undefined;
    if (callback !== undefined) return { [MARK]: 'callback', id: callback, name: (value as { name: string }).name };
    return refMarker(value);
  },
};

/**
 * What in a result (or a callback's arguments) crosses by reference: class instances, functions, async
 * iterables; URLs by value. One policy, emptied for each use: it is filled by classify() and read by
 * withMarkers() in the same synchronous stretch, and nothing in between classifies another value.
 */
export function resultPolicy(): ReferencePolicy {
  results.replaced.clear();
  results.hidden!.clear();
  return results;
}

/** Markers in arguments from the caller: handles become their objects again, URLs URLs. */
export function reviveArgument(marker: Marker): unknown {
  switch (marker[MARK]) {
    case 'handle':
      return objectOf(marker.id);
    case 'url':
      return new URL(marker.href);
    case 'params':
      return new URLSearchParams(marker.search);
    case 'callback':
      return callbackFor(marker);
    default:
      throw new Failure(ErrorCodes.CLONE, `An argument holds an unexpected ${String(marker[MARK])} marker.`);
  }
}

function describe(value: object): string {
  return typeof value === 'function' ? `function ${nameOf(value)}` : `${nameOf(value)} object`;
}

export function callMethod(id: number, key: string, args: unknown[]): unknown {
  const target = objectOf(id) as Record<string, unknown>;
  const method = target[key];
  if (typeof method !== 'function') {
    throw new TypeError(`${describe(target)}.${key} is not a function (it is ${method === null ? 'null' : typeof method})`);
  }
  return (method as (...a: unknown[]) => unknown).apply(target, args);
}

/** A method of an export itself (a static method), called with the export as `this`. */
export function callMember(owner: object, label: string, member: string, args: unknown[]): unknown {
  const method = (owner as Record<string, unknown>)[member];
  if (typeof method !== 'function') throw new TypeError(`${label} is not a function (it is ${method === null ? 'null' : typeof method})`);
  return (method as (...a: unknown[]) => unknown).apply(owner, args);
}

export function apply(id: number, thisId: number, args: unknown[]): unknown {
  const fn = objectOf(id) as (...a: unknown[]) => unknown;
  return fn.apply(thisId < 0 ? undefined : objectOf(thisId), args);
}

export function construct(id: number, args: unknown[]): unknown {
  const Class = objectOf(id) as new (...a: unknown[]) => unknown;
  return Reflect.construct(Class, args);
}

export function getProperty(id: number, key: string): unknown {
  return (objectOf(id) as Record<string, unknown>)[key];
}

export function setProperty(id: number, key: string, value: unknown): void {
  (objectOf(id) as Record<string, unknown>)[key] = value;
}

export function keysOf(id: number): string[] {
  return Object.keys(objectOf(id));
}

export async function dispose(id: number): Promise<void> {
  const target = objectOf(id) as { [Symbol.asyncDispose]?: () => unknown; [Symbol.dispose]?: () => unknown };
  const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
  const disposeSymbol = (Symbol as { dispose?: symbol }).dispose;
  const own = (asyncDispose && (target as Record<symbol, unknown>)[asyncDispose]) || (disposeSymbol && (target as Record<symbol, unknown>)[disposeSymbol]);
  try {
    if (typeof own === 'function') await own.call(target);
  } finally {
    release([id]);
  }
}

// ---- iteration -------------------------------------------------------------------------------------

interface IterationState {
  iterator: { next(): unknown; return?(value?: unknown): unknown };
  /** A next() already asked for, not yet answered (the batch ended before it settled). */
  ahead?: Promise<IteratorResult<unknown>>;
}
const iterations = new Map<number, IterationState>();

/** At most this many items per round trip: bounded memory, and a consumer that breaks early wastes little. */
const BATCH_ITEMS = 256;
/** Microtask turns to wait for a next() to settle before the batch goes without it. */
const READY_TURNS = 8;

export function openIteration(id: number): number {
  const target = objectOf(id) as { [Symbol.asyncIterator]?: () => unknown; [Symbol.iterator]?: () => unknown; next?: unknown };
  let iterator: unknown;
  const asyncIterator = target[Symbol.asyncIterator];
  const syncIterator = target[Symbol.iterator];
  if (typeof asyncIterator === 'function') iterator = asyncIterator.call(target);
  else if (typeof syncIterator === 'function') iterator = syncIterator.call(target);
  else if (typeof target.next === 'function') iterator = target;
  if (typeof iterator !== 'object' || iterator === null || typeof (iterator as { next?: unknown }).next !== 'function') {
    throw new TypeError(`${describe(target)} is not iterable`);
  }
  // The iterator gets a handle of its own (not a proxy): the caller's sync iterator drives it.
  const iteratorId = nextId++;
  objects.set(iteratorId, iterator as object);
  iterations.set(iteratorId, { iterator: iterator as IterationState['iterator'] });
  return iteratorId;
}

async function settledSoon<T>(promise: Promise<T>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < READY_TURNS && !settled; i++) await undefined;
  return settled;
}

/**
 * The next items: waits for the first, then takes those that are ready at once. A slow stream is not
 * held back for a batch: each item goes as soon as it arrives. Returns [items, done, return value].
 */
export async function nextItems(id: number): Promise<[unknown[], boolean, unknown]> {
  const state = iterations.get(id);
  if (!state) throw new Failure(ErrorCodes.RELEASED, `The iteration #${id} has ended or was released.`);
  const items: unknown[] = [];
  for (;;) {
    const pending = state.ahead ?? (Promise.resolve(state.iterator.next()) as Promise<IteratorResult<unknown>>);
    state.ahead = undefined;
    if (items.length > 0 && !(await settledSoon(pending))) {
      state.ahead = pending;
      return [items, false, undefined];
    }
    let result: IteratorResult<unknown>;
    try {
      result = (await pending) as IteratorResult<unknown>;
    } catch (error) {
      if (items.length > 0) {
        // Deliver what came before the error; the error comes with the next round trip.
        state.ahead = Promise.reject(error);
        state.ahead.catch(() => {});
        return [items, false, undefined];
      }
      release([id]);
      throw error;
    }
    if (typeof result !== 'object' || result === null) throw new TypeError(`Iterator result ${String(result)} is not an object`);
    if (result.done) {
      release([id]);
      return [items, true, result.value];
    }
    items.push(result.value);
    if (items.length >= BATCH_ITEMS) return [items, false, undefined];
  }
}

/** The consumer stopped early: run the iterator's return() (its finally blocks), then drop it. */
export async function endIteration(id: number): Promise<void> {
  const state = iterations.get(id);
  if (!state) return;
  release([id]);
  const pending = state.ahead;
  const finish = () => state.iterator.return?.();
  if (pending) {
    // An item asked for ahead is still on its way: return() is queued behind it by an async generator,
    // and waiting for it could take as long as the stream takes. Let it finish in the background.
    pending.then(finish, finish).then(undefined, () => {});
    return;
  }
  await finish();
}
