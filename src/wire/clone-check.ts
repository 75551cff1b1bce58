/**
 * Classifies a value before it crosses between threads: which encoding can carry it exactly, or, for the
 * first value that cannot cross, where it sits, e.g. `argument 2 → options.onProgress is a function`.
 *
 * Structured clone would throw a bare DataCloneError for functions and symbols, and would *silently* turn a
 * class instance (or a subclass of Array, Map, Uint8Array …) into its plain base, and drop symbol keys and
 * the own properties of a Map or Date. We refuse all of these up front with the path.
 * Known limits, documented: a null-prototype object arrives with Object.prototype; an Error inside a
 * value keeps only message, stack, name and cause; named properties of arrays longer than LARGE_ARRAY
 * and of typed arrays, Buffers and boxed strings longer than SMALL_INDEXED are not inspected (listing
 * their keys costs O(length)): v8 serialization still refuses a function on such an array, without a
 * path, and drops a named property of a typed array silently.
 */
import { types } from 'node:util';
import type { Marker } from '../remote/markers.js';
import { TYPED_ARRAY_CLASSES } from './typed-arrays.js';

/**
 * What may cross by reference (or as a marker) instead of being refused: the caller's policy for arguments
 * (its proxies, URLs), the worker's for results (class instances, functions, async iterables, URLs).
 * `replace` returns the marker to send in the value's place, a problem to report, or undefined for the
 * usual refusal. Replacements are collected in `replaced`; the value itself is never changed.
 */
export interface ReferencePolicy {
  /** `parent`: the container the value was found in (for a function, its `this` as a method). */
  replace(value: object, kind: ReferenceKind, parent?: unknown): Marker | string | undefined;
  /** Plain objects with a Symbol.asyncIterator method are offered to `replace` as 'async-iterable'. */
  asyncIterables: boolean;
  replaced: Map<object, Marker>;
  /**
   * Where set, plain objects are looked at for own data properties that are not enumerable (a database row
   * whose columns by index are hidden: `row[0]`): structured clone would drop them silently. Their keys are
   * collected here, for the copy to carry (remote/values.ts withMarkers); not set, they are not looked for.
   */
  hidden?: Map<object, string[]>;
}
export type ReferenceKind = 'function' | 'instance' | 'proxy' | 'async-iterable';

/**
 * How a value can cross. JSON is exact for plain data (plain objects, dense arrays, strings, booleans,
 * null, finite numbers but -0, no shared references) and several times cheaper than v8 serialization;
 * everything else that can cross takes the structured-clone encoding.
 */
export const Crossing = { JSON: 0, STRUCTURED: 1 } as const;
export type Crossing = (typeof Crossing)[keyof typeof Crossing];

/** A problem description (string), or how the value crosses. */
export type Classification = string | Crossing;

/** Arrays up to this length get a full look (holes, named properties); longer ones an index scan. */
const LARGE_ARRAY = 10_000;
/**
 * Typed arrays, Buffers and boxed strings up to this length are checked for named properties. Their
 * indices are own keys, so listing keys costs O(length) (~1 µs for 64): binary data stays cheap to send.
 */
const SMALL_INDEXED = 64;

/** One step of a path: a property key, an array index, or a step into a Map or Set. */
type Step = string | number | { map: 'key' | 'value'; key: unknown; n: number } | { set: number };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A primitive Map key as text, or undefined (objects are not rendered: that could run user code). */
function keyText(key: unknown): string | undefined {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(key);
    case 'bigint':
      return `${key}n`;
    default:
      return key === null ? 'null' : undefined;
  }
}

function renderStep(step: Step): string {
  if (typeof step === 'number') return `[${step}]`;
  if (typeof step === 'string') return IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  if ('set' in step) return `.<Set item #${step.set}>`;
  const text = keyText(step.key);
  if (step.map === 'key') return `.<Map key #${step.n}>`;
  return text === undefined ? `.<Map value #${step.n}>` : `.get(${text})`;
}

function isPlainPrototype(proto: object | null): boolean {
  if (proto === null || proto === Object.prototype) return true;
  // A plain object made in another realm (vm context) has that realm's Object.prototype.
  return Object.getPrototypeOf(proto) === null && (proto as { constructor?: { name?: string } }).constructor?.name === 'Object';
}

function className(value: object): string {
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'an anonymous class';
  } catch {
    return 'an unknown class';
  }
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/**
 * Built-in prototypes structured clone reproduces exactly, and which of them carry entries to inspect.
 * 'indexed' ones have their indices as own keys, so their own properties are not checked.
 */
const builtins = new Map<object, 'map' | 'set' | 'indexed' | 'leaf'>([
  [Map.prototype, 'map'],
  [Set.prototype, 'set'],
  [Date.prototype, 'leaf'],
  [RegExp.prototype, 'leaf'],
  [ArrayBuffer.prototype, 'leaf'],
  [Boolean.prototype, 'leaf'],
  [Number.prototype, 'leaf'],
  [String.prototype, 'indexed'],
  [BigInt.prototype, 'leaf'],
  [DataView.prototype, 'indexed'],
  [Buffer.prototype, 'indexed'],
]);
for (const TypedArray of TYPED_ARRAY_CLASSES) builtins.set(TypedArray.prototype, 'indexed');

const SUBCLASS_BASES: Array<[(value: object) => boolean, string]> = [
  [(v) => types.isMap(v), 'Map'],
  [(v) => types.isSet(v), 'Set'],
  [(v) => types.isDate(v), 'Date'],
  [(v) => types.isRegExp(v), 'RegExp'],
  [(v) => types.isTypedArray(v), ''], // named below after its built-in base, e.g. Uint8Array
  [(v) => types.isArrayBuffer(v), 'ArrayBuffer'],
];

const FUNCTION_PROBLEM = 'is a function; functions cannot cross threads (pass data, or do the work inside the worker module)';

type Kind = 'plain' | 'array' | 'map' | 'set' | 'leaf' | 'instance' | 'proxy';

const PROXY_PROBLEM = 'is a Proxy; proxies cannot cross threads';
const instanceProblem = (value: object) =>
  `is an instance of ${className(value)}; only plain objects, arrays and built-in types cross threads ` +
  '(its prototype, methods and private fields would be lost). Convert it to a plain object first';

/** What kind of object this is for the walk, or what is wrong with it. */
function kindOf(value: object): Kind | string {
  if (types.isProxy(value)) return 'proxy';
  const proto = Object.getPrototypeOf(value) as object | null;
  if (Array.isArray(value)) {
    return proto === Array.prototype ? 'array' : `is an instance of ${className(value)}, a subclass of Array; it would arrive as a plain Array`;
  }
  if (isPlainPrototype(proto)) return 'plain';
  const builtin = proto && builtins.get(proto);
  if (builtin) {
    const dropped = droppedKeys(value, builtin === 'indexed');
    if (dropped) return `has own properties (${dropped}) that would be lost: structured clone copies only its contents`;
    return builtin === 'indexed' ? 'leaf' : builtin;
  }
  // Errors cross as values with message, stack, name and cause (v8 serialization), whatever their class.
  if (types.isNativeError(value)) return 'leaf';
  if (types.isSharedArrayBuffer(value)) return 'is a SharedArrayBuffer; pass a typed array over it to copy its bytes';
  if (types.isSymbolObject(value)) return 'is a boxed symbol; symbols cannot cross threads';
  if (proto && Object.getPrototypeOf(proto) === TypedArrayPrototype) return 'leaf'; // a typed array of another realm
  for (const [is, name] of SUBCLASS_BASES) {
    if (!is(value)) continue;
    const base = name || builtinBaseName(value);
    return `is an instance of ${className(value)}, a subclass of ${base}; it would arrive as a plain ${base}`;
  }
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (['WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'FinalizationRegistry'].includes(tag)) {
    return `is a ${tag}; it cannot be copied to another thread`;
  }
  return 'instance';
}

/** The name of the built-in class a subclass instance derives from (e.g. Uint8Array for `class B extends Uint8Array`). */
function builtinBaseName(value: object): string {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    if (builtins.has(proto)) return className(proto);
  }
  return 'its built-in base';
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * Own enumerable keys of a built-in that structured clone would drop, listed (at most 3) for the message:
 * named properties, and symbol keys. For indexed built-ins (typed arrays, Buffers, boxed strings) the
 * indices are own keys too, so named properties are looked for only up to SMALL_INDEXED elements.
 */
function droppedKeys(value: object, indexed: boolean): string | undefined {
  const symbol = enumerableSymbol(value);
  if (symbol) return symbol.toString();
  if (indexed && ((value as { length?: number }).length ?? 0) > SMALL_INDEXED) return undefined;
  const named = [];
  for (const key of Object.keys(value)) {
    if (indexed && ARRAY_INDEX.test(key)) continue;
    named.push(key);
    if (named.length === 3) break;
  }
  return named.length > 0 ? named.join(', ') : undefined;
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

function message(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error';
  }
}

/**
 * Walks `root` and returns the first problem as `"<label> → <path> <problem>"`, or how it crosses.
 * Iterative (deep structures must not overflow the stack), cycle-safe, and it never lets an exception of
 * the value's own code (a getter, a proxy trap) escape. Paths are rendered only on failure. It runs on
 * every call, so plain objects and small arrays take the shortest path.
 */
export function classify(root: unknown, label: string, policy?: ReferencePolicy): Classification {
  if (typeof root !== 'object' || root === null) {
    if (typeof root === 'function') {
      const problem = policy ? offer(policy, root, 'function') : FUNCTION_PROBLEM;
      return problem === undefined ? Crossing.JSON : `${label} ${problem}`;
    }
    if (typeof root === 'symbol') return `${label} is a symbol (${root.toString()}); symbols cannot cross threads`;
    return isJsonPrimitive(root) ? Crossing.JSON : Crossing.STRUCTURED;
  }
  let json = true;
  // Parallel arrays: node i holds values[i], reached from node parents[i] through steps[i].
  const values: unknown[] = [root];
  const parents: number[] = [-1];
  const steps: Step[] = [''];
  const seen = new Set<object>();
  const pathOf = (index: number, last?: Step): string => {
    let path = last === undefined ? '' : renderStep(last);
    for (let i = index; i > 0; i = parents[i]!) path = renderStep(steps[i]!) + path;
    // "options.onProgress" reads better than ".options.onProgress"; a root Map/Set step keeps its dot.
    const first = index > 0 ? steps[rootChildOf(index)] : last;
    if (typeof first === 'string' && IDENTIFIER.test(first)) path = path.slice(1);
    return path === '' ? label : `${label} → ${path}`;
  };
  const rootChildOf = (index: number): number => {
    let i = index;
    while (parents[i]! > 0) i = parents[i]!;
    return i;
  };
  const push = (child: unknown, parent: number, step: Step): void => {
    if ((typeof child !== 'object' || child === null) && typeof child !== 'function' && typeof child !== 'symbol') {
      if (json && !isJsonPrimitive(child)) json = false;
      return;
    }
    values.push(child);
    parents.push(parent);
    steps.push(step);
  };

  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'function') {
      const problem = policy ? offer(policy, value, 'function', i > 0 ? values[parents[i]!] : undefined) : FUNCTION_PROBLEM;
      if (problem !== undefined) return `${pathOf(i)} ${problem}`;
      continue;
    }
    if (typeof value === 'symbol') return `${pathOf(i)} is a symbol (${value.toString()}); symbols cannot cross threads`;
    const object = value as object;
    if (seen.has(object)) {
      json = false; // a shared or cyclic reference: JSON would duplicate it or fail
      continue;
    }
    seen.add(object);
    let reading: Step | undefined; // the child being read, to name it if reading throws
    try {
      const kind = kindOf(object);
      if (policy && kind === 'plain' && policy.asyncIterables && typeof (object as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
        const problem = offer(policy, object, 'async-iterable');
        if (problem !== undefined) return `${pathOf(i)} ${problem}`;
        continue;
      }
      if (kind === 'instance' || kind === 'proxy') {
        const problem = policy ? offer(policy, object, kind) : kind === 'proxy' ? PROXY_PROBLEM : instanceProblem(object);
        if (problem !== undefined) return `${pathOf(i)} ${problem}`;
        continue;
      }
      switch (kind) {
        case 'array': {
          const array = object as unknown[];
          const length = array.length;
          if (length <= LARGE_ARRAY) {
            const keys = Object.keys(array);
            const dense = keys.length === length && (length === 0 || keys[length - 1] === String(length - 1));
            if (dense) {
              for (let k = 0; k < length; k++) {
                reading = k;
                const child = array[k];
                if (child === undefined)
                  json = false; // JSON would write null
                else push(child, i, k);
              }
            } else {
              json = false; // holes or named properties: only structured clone keeps them
              for (const key of keys) {
                const index = Number(key);
                reading = Number.isInteger(index) && index >= 0 && String(index) === key ? index : key;
                push(array[reading as number], i, reading);
              }
            }
          } else {
            json = false; // long arrays: v8 serialization is faster than JSON anyway
            let holes = 0;
            for (let k = 0; k < length; k++) {
              reading = k;
              const child = array[k];
              if (child !== undefined || k in array) push(child, i, k);
              else if (++holes > 1024 && holes > k / 2) {
                // Mostly holes: a sparse array. Its own keys are then few and cheap to list.
                for (const key of Object.keys(array)) {
                  if (Number(key) > k) push(array[Number(key)], i, Number(key));
                }
                break;
              }
            }
          }
          reading = undefined;
          const symbolKey = enumerableSymbol(array);
          if (symbolKey) return `${pathOf(i)} has a symbol key ${symbolKey.toString()}; symbol keys cannot cross threads`;
          break;
        }
        case 'plain': {
          const symbolKey = enumerableSymbol(object);
          if (symbolKey && policy?.asyncIterables) {
            // From the worker (a result, a callback's argument: a tool's options with Symbol(comments)): by
            // reference, so that the symbol-keyed state stays where it works.
            const problem = offer(policy, object, 'instance');
            if (problem !== undefined) return `${pathOf(i)} ${problem}`;
            continue;
          }
          if (symbolKey) return `${pathOf(i)} has a symbol key ${symbolKey.toString()}; symbol keys cannot cross threads`;
          const keys = Object.keys(object);
          for (const key of keys) {
            reading = key;
            const child = (object as Record<string, unknown>)[key];
            if (child === undefined)
              json = false; // JSON would drop the key
            else push(child, i, key);
          }
          if (policy?.hidden) {
            const names = Object.getOwnPropertyNames(object);
            if (names.length !== keys.length) {
              const hidden = names.filter((name) => {
                const descriptor = Object.getOwnPropertyDescriptor(object, name)!;
                return !descriptor.enumerable && 'value' in descriptor;
              });
              if (hidden.length > 0) {
                policy.hidden.set(object, hidden);
                for (const key of hidden) push((object as Record<string, unknown>)[key], i, key);
              }
            }
          }
          break;
        }
        case 'map': {
          json = false;
          let n = 0;
          for (const [key, entry] of object as Map<unknown, unknown>) {
            push(key, i, { map: 'key', key, n });
            push(entry, i, { map: 'value', key, n });
            n++;
          }
          break;
        }
        case 'set': {
          json = false;
          let n = 0;
          for (const item of object as Set<unknown>) push(item, i, { set: n++ });
          break;
        }
        case 'leaf':
          json = false;
          break;
        default:
          return `${pathOf(i)} ${kind}`;
      }
    } catch (error) {
      return `${pathOf(i, reading)} could not be read (${message(error)})`;
    }
  }
  return json ? Crossing.JSON : Crossing.STRUCTURED;
}

/** Asks the policy about a value; undefined if it crosses as a marker, else the problem to report. */
function offer(policy: ReferencePolicy, value: object, kind: ReferenceKind, parent?: unknown): string | undefined {
  const answer = policy.replace(value, kind, parent);
  if (typeof answer === 'object') {
    policy.replaced.set(value, answer);
    return undefined;
  }
  if (answer !== undefined) return answer;
  if (kind === 'function') return FUNCTION_PROBLEM;
  if (kind === 'proxy') return PROXY_PROBLEM;
  return instanceProblem(value);
}

function enumerableSymbol(object: object): symbol | undefined {
  for (const symbol of Object.getOwnPropertySymbols(object)) {
    if (Object.prototype.propertyIsEnumerable.call(object, symbol)) return symbol;
  }
  return undefined;
}

/** The problem with `value`, or undefined if it can cross. */
export function findUncloneable(value: unknown, label: string): string | undefined {
  const classification = classify(value, label);
  return typeof classification === 'string' ? classification : undefined;
}
