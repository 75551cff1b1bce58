/**
 * Classifies a value before it crosses between threads: which encoding can carry it exactly, or, for the
 * first value that cannot cross, where it sits, e.g. `argument 2 → options.onProgress is a function`.
 *
 * Structured clone would throw a bare DataCloneError for functions and symbols, and would *silently* turn a
 * class instance into a plain object (losing its prototype, methods and private fields) and drop symbol keys.
 * We refuse all of these up front with the path, so nothing arrives different from what was sent.
 */
import { types } from 'node:util';

/**
 * How a value can cross. JSON is exact for plain data (plain objects, dense arrays, strings, booleans,
 * null, finite numbers but -0, no shared references) and several times cheaper than v8 serialization;
 * everything else that can cross takes the structured-clone encoding.
 */
export const Crossing = { JSON: 0, STRUCTURED: 1 } as const;
export type Crossing = (typeof Crossing)[keyof typeof Crossing];

/** A problem description (string), or how the value crosses. */
export type Classification = string | Crossing;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function describeKey(key: unknown, isIndex: boolean): string {
  if (isIndex) return `[${String(key)}]`;
  if (typeof key === 'string') return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return `[${typeof key === 'symbol' ? key.toString() : String(key)}]`;
}

function isPlainPrototype(proto: object | null): boolean {
  if (proto === null || proto === Object.prototype) return true;
  // A plain object made in another realm (vm context) has that realm's Object.prototype.
  return Object.getPrototypeOf(proto) === null && (proto as { constructor?: { name?: string } }).constructor?.name === 'Object';
}

function className(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'an anonymous class';
}

/** Built-ins that structured clone copies faithfully and that hold no nested values we must inspect. */
function isCloneableLeaf(value: object): boolean {
  return (
    types.isArrayBufferView(value) ||
    types.isArrayBuffer(value) ||
    types.isDate(value) ||
    types.isRegExp(value) ||
    types.isBoxedPrimitive(value) ||
    types.isNativeError(value)
  );
}

/** What is wrong with this one value (not its children), or undefined. */
function problemOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'function':
      return 'is a function; functions cannot cross threads (pass data, or do the work inside the worker module)';
    case 'symbol':
      return `is a symbol (${value.toString()}); symbols cannot cross threads`;
    case 'object': {
      if (value === null) return undefined;
      if (types.isProxy(value)) return 'is a Proxy; proxies cannot cross threads';
      if (types.isSharedArrayBuffer(value)) return 'is a SharedArrayBuffer; pass a typed array over it to copy its bytes';
      if (Array.isArray(value) || types.isMap(value) || types.isSet(value) || isCloneableLeaf(value)) return undefined;
      const proto = Object.getPrototypeOf(value) as object | null;
      if (isPlainPrototype(proto)) return undefined;
      const tag = Object.prototype.toString.call(value).slice(8, -1);
      if (['WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'FinalizationRegistry'].includes(tag)) {
        return `is a ${tag}; it cannot be copied to another thread`;
      }
      return (
        `is an instance of ${className(value)}; only plain objects, arrays and built-in types cross threads ` +
        '(its prototype, methods and private fields would be lost). Convert it to a plain object first'
      );
    }
    default:
      return undefined;
  }
}

function isJsonPrimitive(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

/**
 * Walks `root` and returns the first problem as `"<label> → <path> <problem>"`, or how it crosses.
 * Iterative (deep structures must not overflow the stack) and cycle-safe; paths are built only on failure.
 * It runs on every call, so plain objects and arrays take a fast path that calls no util.types check.
 */
export function classify(root: unknown, label: string): Classification {
  if (typeof root !== 'object' || root === null) {
    if (typeof root === 'function' || typeof root === 'symbol') return `${label} ${problemOf(root)}`;
    return isJsonPrimitive(root) ? Crossing.JSON : Crossing.STRUCTURED;
  }
  let json = true;
  // Parallel arrays: node i holds values[i], reached from parents[i] through keys[i] (a key is turned into
  // text only when a path must be shown).
  const values: unknown[] = [root];
  const parents: number[] = [-1];
  const keys: Array<string | number> = [''];
  const seen = new Set<object>();
  const pathOf = (index: number): string => {
    let path = '';
    for (let i = index; i > 0; i = parents[i]!) {
      const key = keys[i]!;
      path = (typeof key === 'number' ? `[${key}]` : key.startsWith('.') ? key : describeKey(key, false)) + path;
    }
    // "options.onProgress" reads better than ".options.onProgress"; Map/Set steps keep their dot.
    if (/^\.[A-Za-z_$]/.test(path) && !/^\.get\(/.test(path)) path = path.slice(1);
    return path === '' ? label : `${label} → ${path}`;
  };
  const push = (child: unknown, parent: number, key: string | number): void => {
    // Primitives other than symbols always cross: only objects, functions and symbols need a look.
    if ((typeof child !== 'object' || child === null) && typeof child !== 'function' && typeof child !== 'symbol') {
      if (json && !isJsonPrimitive(child)) json = false;
      return;
    }
    values.push(child);
    parents.push(parent);
    keys.push(key);
  };
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as object;
    if (typeof value !== 'object') return `${pathOf(i)} ${problemOf(value)}`;
    if (seen.has(value)) {
      json = false; // a shared or cyclic reference: JSON would duplicate it or fail
      continue;
    }
    seen.add(value);
    if (Array.isArray(value)) {
      if (json && Object.getPrototypeOf(value) !== Array.prototype) json = false;
      for (let k = 0; k < value.length; k++) {
        const child: unknown = value[k];
        if (child === undefined) json = false; // a hole or undefined: JSON would write null
        else push(child, i, k);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype || types.isProxy(value)) {
      json = false;
      const problem = problemOf(value);
      if (problem) return `${pathOf(i)} ${problem}`;
      if (types.isMap(value)) {
        for (const [k, v] of value as Map<unknown, unknown>) {
          push(k, i, `.<Map key ${describeKey(k, false).replace(/^\./, '')}>`);
          push(v, i, `.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})`);
        }
        continue;
      }
      if (types.isSet(value)) {
        let n = 0;
        for (const item of value as Set<unknown>) push(item, i, `.<Set item ${n++}>`);
        continue;
      }
      if (isCloneableLeaf(value)) continue;
    }
    const symbols = Object.getOwnPropertySymbols(value);
    for (const symbol of symbols) {
      if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
        return `${pathOf(i)} has a symbol key ${symbol.toString()}; symbol keys cannot cross threads`;
      }
    }
    for (const key of Object.keys(value)) {
      let child: unknown;
      try {
        child = (value as Record<string, unknown>)[key];
      } catch (error) {
        values.push(undefined);
        parents.push(i);
        keys.push(key);
        return `${pathOf(values.length - 1)} has a getter that threw (${error instanceof Error ? error.message : String(error)})`;
      }
      if (child === undefined) json = false; // JSON would drop the key
      else push(child, i, key);
    }
  }
  return json ? Crossing.JSON : Crossing.STRUCTURED;
}

/** The problem with `value`, or undefined if it can cross. */
export function findUncloneable(value: unknown, label: string): string | undefined {
  const classification = classify(value, label);
  return typeof classification === 'string' ? classification : undefined;
}
