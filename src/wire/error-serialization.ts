/**
 * Thrown values cross as plain data and are rebuilt on the other side. Structured clone alone keeps only
 * message/stack and a few classes, and drops `code` and every other own property; we keep them all.
 */
import { inspect } from 'node:util';
import { findUncloneable } from './clone-check.js';
import { type ErrorCode, ErrorCodes, libraryError, SyncBridgeError } from '../errors.js';
import { fileOfFrame, OWN_FILE } from '../stack.js';

const builtinErrors = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError,
} as const;
type BuiltinErrorName = keyof typeof builtinErrors;

export type EncodedThrown =
  | {
      kind: 'error';
      /** The nearest built-in class in the prototype chain: what the caller can really construct. */
      base: BuiltinErrorName;
      className: string;
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown>;
      cause?: EncodedThrown;
      errors?: EncodedThrown[];
    }
  | { kind: 'value'; value: unknown }
  | { kind: 'uncloneable'; problem: string; shown: string };

/** Frames of the worker's own machinery: noise in a user's stack trace. Overridden by the worker bundle. */
const INTERNAL_FRAME = /\[worker eval\]/;

const MAX_DEPTH = 32;

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]');
}

function baseOf(error: object): BuiltinErrorName {
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name && name in builtinErrors && builtinErrors[name as BuiltinErrorName].prototype === proto) {
      return name as BuiltinErrorName;
    }
  }
  return 'Error';
}

function cleanStack(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n');
  const isFrame = (line: string) => line.trimStart().startsWith('at ');
  // The user's code in the worker is called by ours: from our first frame down, it is all machinery (ours,
  // then the runtime's own, such as Node's evalScript while the first call runs during worker start).
  const ours = lines.findIndex((line) => isFrame(line) && OWN_FILE !== undefined && fileOfFrame(line) === OWN_FILE);
  return (ours < 0 ? lines : lines.slice(0, ours)).filter((line) => !(isFrame(line) && INTERNAL_FRAME.test(line))).join('\n');
}

/** What reading a thrown value's own code threw, as text that cannot throw again. */
/** A property of a thrown error, or what its getter threw, in words. */
function readOwn(error: Error, key: 'name' | 'message' | 'stack' | 'cause'): unknown {
  try {
    return error[key];
  } catch (thrown) {
    return `[its ${key} getter threw ${readFailure(thrown)}]`;
  }
}

function readFailure(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an unreadable value';
  }
}

/**
 * Encodes a thrown value for the other side. Never throws: a getter (message, stack, cause …) or a proxy
 * trap of the value that throws is reported in its place, so the call it fails still gets its answer.
 */
export function encodeThrown(value: unknown, depth = 0): EncodedThrown {
  try {
    return encodeThrownValue(value, depth);
  } catch (error) {
    return { kind: 'uncloneable', problem: `the thrown value could not be read (${readFailure(error)})`, shown: '[unreadable]' };
  }
}

function encodeThrownValue(value: unknown, depth: number): EncodedThrown {
  if (depth > MAX_DEPTH) return { kind: 'value', value: '[cause chain too deep]' };
  if (!isErrorLike(value)) {
    const problem = findUncloneable(value, 'the thrown value');
    if (problem) return { kind: 'uncloneable', problem, shown: inspect(value, { depth: 2 }) };
    return { kind: 'value', value };
  }
  const base = baseOf(value);
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === 'stack' || key === 'message' || key === 'cause' || key === 'name' || (key === 'errors' && base === 'AggregateError')) continue;
    let prop: unknown;
    try {
      prop = (value as unknown as Record<string, unknown>)[key];
    } catch (error) {
      prop = `[getter threw: ${String(error)}]`;
    }
    const problem = findUncloneable(prop, key);
    props[key] = problem ? `[not cloneable: ${inspect(prop, { depth: 1 })}]` : prop;
  }
  const encoded: EncodedThrown = {
    kind: 'error',
    base,
    className: (value as { constructor?: { name?: string } }).constructor?.name || base,
    name: String(readOwn(value, 'name')),
    message: String(readOwn(value, 'message')),
    stack: cleanStack(readOwn(value, 'stack')),
    props,
  };
  if ('cause' in value) encoded.cause = encodeThrown(readOwn(value, 'cause'), depth + 1);
  const errors = (value as { errors?: unknown }).errors;
  if (base === 'AggregateError' && Array.isArray(errors)) encoded.errors = errors.map((e) => encodeThrown(e, depth + 1));
  return encoded;
}

// One synthetic subclass per class name, so `err.constructor.name` matches the worker's class.
const syntheticClasses = new Map<string, new (...args: never[]) => Error>();
function classFor(base: BuiltinErrorName, className: string): new (...args: never[]) => Error {
  const Base = builtinErrors[base] as unknown as new (...args: never[]) => Error;
  if (className === base || !/^[A-Za-z_$][\w$]*$/.test(className)) return Base;
  const key = `${base}:${className}`;
  let Class = syntheticClasses.get(key);
  if (!Class) {
    Class = { [className]: class extends Base {} }[className]!;
    if (syntheticClasses.size < 1000) syntheticClasses.set(key, Class);
  }
  return Class;
}

const BOUNDARY = '    at [syncbridge: worker thread above, calling thread below]';
/** The boundary in the stack of an error a callback threw, as the worker sees it. */
export const CALLBACK_BOUNDARY = '    at [syncbridge: calling thread above (a callback), worker thread below]';

/**
 * Rebuilds a thrown value. `callerFrames` (lines starting with "    at") are appended to the top error's
 * stack so that it reads: where it failed in the worker, then where the caller made the call.
 */
export function decodeThrown(encoded: EncodedThrown, callerFrames?: string, boundary = BOUNDARY): unknown {
  if (encoded.kind === 'value') return encoded.value;
  if (encoded.kind === 'uncloneable') {
    // Decoded in the worker, the throw came from one of the caller's functions (a callback), not from it.
    const thrower = boundary === CALLBACK_BOUNDARY ? 'A callback (on the calling thread)' : 'The worker';
    return libraryError(ErrorCodes.CLONE, `${thrower} threw a value that cannot cross threads: ${encoded.problem}. It was: ${encoded.shown}`);
  }
  const Class = classFor(encoded.base, encoded.className);
  const code = encoded.props.code;
  // One of ours from the other side (a callback's CALLBACK_ASYNC, say): a real SyncBridgeError again.
  const ours = encoded.className === 'SyncBridgeError' && typeof code === 'string' && code.startsWith('ERR_SYNCBRIDGE_');
  const error: Error = ours
    ? new SyncBridgeError(code as ErrorCode, encoded.message)
    : encoded.base === 'AggregateError'
      ? new (Class as unknown as typeof AggregateError)(
          (encoded.errors ?? []).map((e) => decodeThrown(e)),
          encoded.message,
        )
      : new (Class as unknown as typeof Error)(encoded.message);
  const hidden = (value: unknown) => ({ value, writable: true, configurable: true, enumerable: false });
  if (error.name !== encoded.name) Object.defineProperty(error, 'name', hidden(encoded.name));
  if (encoded.stack !== undefined) {
    Object.defineProperty(error, 'stack', hidden(callerFrames ? `${encoded.stack}\n${boundary}\n${callerFrames}` : encoded.stack));
  }
  if (encoded.cause !== undefined) Object.defineProperty(error, 'cause', hidden(decodeThrown(encoded.cause)));
  Object.assign(error, encoded.props);
  return error;
}
