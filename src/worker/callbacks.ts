/**
 * Inside the worker: the caller's functions (callbacks). A function that arrived in an argument is a
 * local function here; calling it posts a call on the events port to the caller, which runs it on its own
 * thread while it is blocked (or on its event loop, between calls), and answers with Op.REPLY on the
 * request area. Calling it returns a promise of that answer. While any answer is outstanding the serve
 * loop's pump (main.ts) reads the request area, so that the callback may call back into this worker.
 *
 * Lifetime: a callback lives as long as this side holds its function; a FinalizationRegistry then tells
 * the caller (a 'drop' event) that it may forget it. The same caller function arrives as the same
 * function here, so `emitter.off(cb)` finds what `emitter.on(cb)` added.
 */
import { classify, type ReferencePolicy } from '../wire/clone-check.js';
import { CALLBACK_BOUNDARY, decodeThrown, type EncodedThrown } from '../wire/error-serialization.js';
import { ErrorCodes, type ErrorCode, SyncBridgeError } from '../errors.js';
import { type Event, type LibraryFailure, REFS_FLAG, Status } from '../wire/protocol.js';
import type { CallbackMarker, Marker } from '../remote/markers.js';
import { revived, withMarkers } from '../remote/values.js';

export interface EventSink {
  post(event: Event): void;
}

interface Outstanding {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  name: string;
  /** Where the worker called it, for the stack of an error it throws: captured, formatted only if it does. */
  site: { stack?: string };
}

let sink: EventSink | undefined;
let policyFor: () => ReferencePolicy = () => {
  throw new Error('syncbridge: callbacks used before the worker set them up');
};
let revive: (marker: Marker) => unknown = () => undefined;

const functions = new Map<number, { ref: WeakRef<(...args: unknown[]) => unknown>; revived: number }>();
/** Our function for a callback → its id: returned to the caller, it is the caller's own function again. */
const callbackIds = new WeakMap<object, number>();

export function callbackIdOf(value: object): number | undefined {
  return callbackIds.get(value);
}
const outstanding = new Map<number, Outstanding>();
let lastCallId = 0;
let onIdle: () => void = () => {};
let onBusy: () => void = () => {};

const registry = new FinalizationRegistry<number>((id) => {
  const entry = functions.get(id);
  if (!entry || entry.ref.deref() !== undefined) return; // a newer function for the same callback lives
  functions.delete(id);
  sink?.post(['drop', id, entry.revived]);
});

export function setUpCallbacks(options: {
  sink: EventSink;
  policy: () => ReferencePolicy;
  revive: (marker: Marker) => unknown;
  /** Called when the first answer becomes outstanding, and when the last one arrives. */
  busy: () => void;
  idle: () => void;
}): void {
  sink = options.sink;
  policyFor = options.policy;
  revive = options.revive;
  onBusy = options.busy;
  onIdle = options.idle;
}

export function outstandingCallbacks(): number {
  return outstanding.size;
}

/** The names of the callbacks being waited for, for the caller's long-wait report. */
export function waitingFor(): string[] {
  return [...outstanding.values()].map((call) => call.name);
}

/** A captured call site's frames, without its first line (formatting a stack costs more than capturing it). */
function framesOf(site: { stack?: string }): string {
  return (site.stack ?? '').split('\n').slice(1).join('\n');
}

/** The local function for a callback marker: the same one while it lives. */
export function callbackFor(marker: CallbackMarker): (...args: unknown[]) => unknown {
  const entry = functions.get(marker.id);
  const existing = entry?.ref.deref();
  if (entry && existing) {
    entry.revived++;
    return existing;
  }
  const { id, name } = marker;
  const fn = {
    [name](...args: unknown[]) {
      // Where the worker called it, without our frames: the far half of a thrown error's stack.
      const site: { stack?: string } = {};
      Error.captureStackTrace(site, fn);
      return invoke(id, name || 'anonymous function', args, site);
    },
  }[name]!;
  functions.set(id, { ref: new WeakRef(fn), revived: (entry?.revived ?? 0) + 1 });
  callbackIds.set(fn, id);
  registry.register(fn, id);
  return fn;
}

function invoke(id: number, name: string, args: unknown[], site: { stack?: string }): Promise<unknown> {
  const policy = policyFor();
  for (let i = 0; i < args.length; i++) {
    const problem = classify(args[i], `argument ${i + 1} of callback ${name}`, policy);
    if (typeof problem === 'string') return Promise.reject(new SyncBridgeError(ErrorCodes.CLONE, `${problem}.`));
  }
  const flags = policy.replaced.size > 0 || (policy.hidden?.size ?? 0) > 0 ? REFS_FLAG : 0;
  const sent = flags ? (withMarkers(args, policy.replaced, new Map(), policy.hidden) as unknown[]) : args;
  const callId = ++lastCallId;
  const answer = new Promise<unknown>((resolve, reject) => outstanding.set(callId, { resolve, reject, name, site }));
  if (outstanding.size === 1) onBusy();
  try {
    sink!.post(['call', callId, id, sent, flags]);
  } catch (error) {
    settle(callId, Status.FAILED, { code: ErrorCodes.CLONE, message: `The arguments of callback ${name} cannot be sent: ${String(error)}` }, 0);
  }
  return answer;
}

/** An Op.REPLY from the caller: settles the callback call it answers. */
export function settle(callId: number, status: number, value: unknown, flags: number | undefined): void {
  const call = outstanding.get(callId);
  if (!call) return;
  outstanding.delete(callId);
  try {
    if (status === Status.OK) call.resolve(flags === REFS_FLAG ? revived(value, revive) : value);
    else if (status === Status.THROW) call.reject(decodeThrown(value as EncodedThrown, framesOf(call.site), CALLBACK_BOUNDARY));
    else {
      const { code, message, cause } = value as LibraryFailure;
      call.reject(
        new SyncBridgeError(
          code as ErrorCode,
          `callback ${call.name}: ${message}`,
          cause === undefined ? undefined : { cause: decodeThrown(cause as EncodedThrown) },
        ),
      );
    }
  } catch (error) {
    call.reject(error);
  } finally {
    if (outstanding.size === 0) onIdle();
  }
}
