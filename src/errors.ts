import { type Entry, framesBelowLibrary, withoutProxyFrames } from './stack.js';

/**
 * Every error the library itself raises is a SyncBridgeError with one of these stable codes.
 * Errors thrown by *your* code in the worker are rethrown as they were (same class, message, stack, ...).
 */
export const ErrorCodes = {
  /** A value (argument, return value, thrown value) cannot cross between threads. */
  CLONE: 'ERR_SYNCBRIDGE_CLONE',
  /** The module could not be found or loaded, or has no such export. */
  MODULE: 'ERR_SYNCBRIDGE_MODULE',
  /** The API was used with an argument it cannot accept. */
  INVALID_ARG: 'ERR_SYNCBRIDGE_INVALID_ARG',
  /** A `runSync` function refers to a variable of the caller's scope. */
  CLOSURE: 'ERR_SYNCBRIDGE_CLOSURE',
  /** The call did not finish within its `timeout`; the worker was stopped. */
  TIMEOUT: 'ERR_SYNCBRIDGE_TIMEOUT',
  /** The worker thread stopped (process.exit, out of memory, failed to start). */
  WORKER_EXIT: 'ERR_SYNCBRIDGE_WORKER_EXIT',
  /** An error escaped the call (a throw in a timer, an unhandled rejection); the worker was replaced. */
  UNCAUGHT: 'ERR_SYNCBRIDGE_UNCAUGHT',
  /** A proxy of a worker object was used after release(), or after the worker that held the object ended. */
  RELEASED: 'ERR_SYNCBRIDGE_RELEASED',
  /** A callback returned a promise while the caller was blocked, where nothing can await it. */
  CALLBACK_ASYNC: 'ERR_SYNCBRIDGE_CALLBACK_ASYNC',
  /** This runtime or thread cannot do what was asked (e.g. it cannot block). */
  UNSUPPORTED: 'ERR_SYNCBRIDGE_UNSUPPORTED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

// A brand shared by every copy of the library (ESM and CJS builds, two installed versions), so that
// `err instanceof SyncBridgeError` holds whichever copy created the error.
const brand = Symbol.for('syncbridge.SyncBridgeError');

export class SyncBridgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

// On the prototype, not enumerable: util.inspect then prints "SyncBridgeError [ERR_SYNCBRIDGE_...]: message".
Object.defineProperty(SyncBridgeError.prototype, 'name', { value: 'SyncBridgeError', configurable: true, writable: true });

/**
 * Points an error's stack at the user's call of `entry` (the public function they called): the library's own
 * frames are cut. Where that leaves no frame (Bun's tail calls drop the entry's frame, see framesBelowLibrary),
 * the frames below the library stand in. Returns the error.
 */
export function pointAtCaller<E extends Error>(error: E, entry: Entry): E {
  Error.captureStackTrace(error, entry);
  const lines = (error.stack ?? String(error)).split('\n');
  // The message may span lines: the frames start at the first "    at " line.
  let start = lines.findIndex((line) => /^\s+at /.test(line));
  if (start < 0) start = lines.length;
  const frames = withoutProxyFrames(lines.slice(start));
  if (frames.length === 0) error.stack = `${lines.join('\n')}\n${framesBelowLibrary()}`;
  else if (frames.length !== lines.length - start) error.stack = [...lines.slice(0, start), ...frames].join('\n');
  return error;
}

const MAX_SUMMARY = 300;

/** "RangeError: thrown from a timer": a thrown value's class and the first line of its message. */
export function summarize(value: unknown): { text: string; message: string } | undefined {
  try {
    if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) {
      const error = value as Error;
      const message = String(error.message).split('\n')[0]!.slice(0, MAX_SUMMARY);
      const name = (error.constructor as { name?: string } | undefined)?.name || error.name || 'Error';
      const ownCode = (error as { code?: unknown }).code;
      const code = typeof ownCode === 'string' ? ` [${ownCode}]` : '';
      return { text: `${name}${code}: ${message}`, message };
    }
    const text = String(value).split('\n')[0]!.slice(0, MAX_SUMMARY);
    return { text: `${typeof value} ${text}`, message: text };
  } catch {
    return undefined;
  }
}

/**
 * The one way the library makes its own errors: a SyncBridgeError with a stable code and a message that states
 * the fix, with its stack pointed at the user's call of `entry` when given (pointAtCaller). Without an entry
 * (code deep inside the library), the public function that catches it points it with pointAtCaller.
 */
export function libraryError(code: ErrorCode, message: string, { entry, cause }: { entry?: Entry; cause?: unknown } = {}): SyncBridgeError {
  // Many logs show only the top line: an error that wraps another says what that one was, unless it already does.
  const summary = cause === undefined ? undefined : summarize(cause);
  if (summary && !message.includes(summary.message)) message = `${message} [cause: ${summary.text}]`;
  const error = new SyncBridgeError(code, message, cause === undefined ? undefined : { cause });
  return entry ? pointAtCaller(error, entry) : error;
}
