/**
 * The code that runs inside the worker thread. It is bundled into a string and started with
 * `new Worker(source, { eval: true })`, so no file has to be found at run time (bundlers, PnP, pnpm).
 *
 * It serves one request at a time from the shared buffer: load the module (cached), call the export or the
 * runSync function, await it, and answer. Anything that escapes a call (a throw in a timer, an unhandled
 * rejection) fails that call and retires this worker, as Node would end a process.
 */
import fs from 'node:fs';
import { inspect } from 'node:util';
import { workerData, parentPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import { classify, Crossing } from '../wire/clone-check.js';
import { encodeThrown } from '../wire/error-serialization.js';
import { ErrorCodes } from '../errors.js';
import { captureOutput } from '../wire/output.js';
import {
  Op,
  REFS_FLAG,
  Status,
  Word,
  WorkerState,
  jsonPays,
  readMessage,
  sizeHintOf,
  viewsOf,
  writeMessage,
  type Layout,
  type LibraryFailure,
  type Event,
  type Request,
  type Response,
} from '../wire/protocol.js';
import { AdaptiveSpin } from '../wire/spin.js';
import { transferListOf } from '../wire/transfer.js';
import { Failure } from './failure.js';
import * as remote from './objects.js';
import { revived, withMarkers } from '../remote/values.js';
import { outstandingCallbacks, settle, setUpCallbacks } from './callbacks.js';
import { loadModule, loadedModule, findExport, listExports } from './modules.js';
import { afterPreloads } from './preloads.js';
import { compileFunction, closureFailure } from './run-function.js';

export interface WorkerData {
  buffer: SharedArrayBuffer;
  port: MessagePort;
  /** Events for the caller (protocol.ts Event): callback calls, late responses. */
  events: MessagePort;
  /** Never used here: it only has to live exactly as long as this thread (see watchdog.ts). */
  watchPort: MessagePort;
  layout: Layout;
  spinMicros: number;
  wakeSpinMicros: number;
}

// Destructured into module-level constants, so watchPort stays referenced for this thread's lifetime.
const { buffer, port, events, watchPort, layout, spinMicros, wakeSpinMicros } = workerData as WorkerData;
void watchPort;
const views = viewsOf(buffer, layout);
const { words } = views;

/** True if the caller was parked and had to be woken. */
function signalCaller(): boolean {
  Atomics.add(words, Word.SIGNAL, 1);
  if (Atomics.load(words, Word.CALLER_PARKED) !== 1) return false;
  Atomics.notify(words, Word.SIGNAL);
  return true;
}

const output = captureOutput(views, signalCaller);
/** Requests being served: more than one when a callback called back into this worker. */
const inFlight = new Set<number>();
/** Whether the last answer had to wake the caller: its next request then comes a wake-up later. */
let wokeCaller = false;
let retiring = false;

function postEvent(event: Event, transferList?: TransferListItem[]): void {
  events.postMessage(event, transferList ?? []);
  // Posted first, counted second: a caller that sees the count finds the event on its port.
  Atomics.add(words, Word.EVENTS_POSTED, 1);
  signalCaller();
}

function respond(seq: number, status: Status, value: unknown, json = false, flags = 0): void {
  inFlight.delete(seq);
  output.active = inFlight.size > 0;
  const transferList = status === Status.OK ? transferListOf([value]) : undefined;
  const message: Response = flags !== 0 ? [seq, status, value, flags] : value === undefined ? [seq, status] : [seq, status, value];
  if (Atomics.load(words, Word.RESPONSE_ACK) !== Atomics.load(words, Word.RESPONSE_SEQ)) {
    // The caller has not read the last response yet (it is running a callback that called us again):
    // this one must not overwrite it, and goes as an event instead.
    try {
      postEvent(['response', message], transferList);
    } catch (error) {
      postEvent([
        'response',
        [seq, Status.FAILED, { code: ErrorCodes.CLONE, message: `The result could not be sent to the calling thread: ${String(error)}` }],
      ]);
    }
    return;
  }
  let length: number;
  try {
    length = writeMessage(message, json, views.response, port, transferList, sizeHintOf(value));
  } catch (error) {
    // classify() vets values first; this catches what it cannot foresee (e.g. a getter that throws late).
    const failure: LibraryFailure = {
      code: ErrorCodes.CLONE,
      message: `The result could not be sent to the calling thread: ${error instanceof Error ? error.message : String(error)}`,
    };
    length = writeMessage([seq, Status.FAILED, failure], false, views.response, port);
  }
  Atomics.store(words, Word.RESPONSE_LENGTH, length);
  Atomics.store(words, Word.RESPONSE_SEQ, seq);
  wokeCaller = signalCaller();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

const asName = (key: string | number) => String(key);

/** Starts the work; returns its result, or a promise where there is something to wait for. */
function start(op: Op, target: string | number, key: string | number, args: unknown[]): unknown {
  switch (op) {
    case Op.CALL: {
      const url = target as string;
      const name = asName(key);
      // Once a module is loaded its table is at hand synchronously: a hot call awaits nothing of ours.
      const table = loadedModule(url);
      if (table) {
        const { fn, thisArg } = findExport(table, url, name);
        return fn.apply(thisArg, args);
      }
      return loadModule(url).then((loaded) => {
        const { fn, thisArg } = findExport(loaded, url, name);
        return fn.apply(thisArg, args);
      });
    }
    case Op.RUN:
      // The caller's --import loaders first, so that the function's own import() of a .ts file works too.
      return afterPreloads(() => compileFunction(target as string)(...args));
    case Op.EXPORTS:
      return loadModule(target as string).then(listExports);
    case Op.CALL_MEMBER: {
      const [member, ...rest] = args as [string, ...unknown[]];
      return loadModule(target as string).then((loaded) => {
        const { fn } = findExport(loaded, target as string, asName(key));
        return remote.callMember(fn, `${asName(key)}.${member}`, member, rest);
      });
    }
    case Op.CONSTRUCT:
      if (typeof target === 'number') return remote.construct(target, args);
      return loadModule(target).then((loaded) => {
        const { fn } = findExport(loaded, target, asName(key));
        return Reflect.construct(fn, args);
      });
    case Op.CALL_METHOD:
      return remote.callMethod(target as number, asName(key), args);
    case Op.APPLY:
      return remote.apply(target as number, key as number, args);
    case Op.GET:
      return remote.getProperty(target as number, asName(key));
    case Op.SET:
      return remote.setProperty(target as number, asName(key), args[0]);
    case Op.KEYS:
      return remote.keysOf(target as number);
    case Op.ITER_OPEN:
      return remote.openIteration(target as number);
    case Op.ITER_NEXT:
      return remote.nextItems(target as number);
    case Op.ITER_RETURN:
      return remote.endIteration(target as number);
    case Op.DISPOSE:
      return remote.dispose(target as number);
    case Op.STATS:
      return { handles: remote.liveHandles(), heapUsed: process.memoryUsage().heapUsed };
    default:
      throw new Error(`syncbridge: unknown operation ${String(op)}`);
  }
}

function finishWithValue(seq: number, result: unknown): void {
  if (retiring) return;
  // The common "returns nothing": [seq, status] in JSON reads back with value undefined.
  if (result === undefined) {
    respond(seq, Status.OK, undefined, true);
    return;
  }
  const policy = remote.resultPolicy();
  const crossing = classify(result, 'the return value', policy); // never throws: it reports what it cannot read
  if (typeof crossing === 'string') {
    respond(seq, Status.FAILED, { code: ErrorCodes.CLONE, message: `${crossing}.` } satisfies LibraryFailure);
  } else if (policy.replaced.size > 0 || policy.hidden!.size > 0) {
    respond(seq, Status.OK, withMarkers(result, policy.replaced, new Map(), policy.hidden), crossing === Crossing.JSON, REFS_FLAG);
  } else {
    respond(seq, Status.OK, result, crossing === Crossing.JSON && jsonPays(result));
  }
}

function finishWithError(seq: number, op: Op, target: string | number, error: unknown): void {
  if (retiring) return;
  const failure = error instanceof Failure ? error.failure : op === Op.RUN ? closureFailure(error, target as string) : undefined;
  if (failure) respond(seq, Status.FAILED, failure);
  else respond(seq, Status.THROW, encodeThrown(error));
}

/** Serves one request; returns a promise only if the work is asynchronous. */
function handle([seq, op, target, key, args, flags, releases]: Request): Promise<void> | undefined {
  if (op === Op.REPLY) {
    // An answer from a callback: it settles a promise in here, and nothing answers it.
    try {
      // Releases ride on every message, answers included (a listener's answer may be the first message
      // after the caller's proxies were collected): dropped here, their objects would never be freed.
      if (releases) remote.release(releases);
      const value = flags === REFS_FLAG ? (revived(args, remote.reviveArgument) as unknown[])[0] : args[0];
      settle(target as number, key as number, value, undefined);
    } catch (error) {
      settle(target as number, Status.THROW, encodeThrown(error), undefined);
    }
    return undefined;
  }
  inFlight.add(seq);
  output.active = true;
  let result: unknown;
  try {
    if (releases) remote.release(releases);
    if (flags === REFS_FLAG) args = revived(args, remote.reviveArgument) as unknown[];
    result = start(op, target, key, args);
  } catch (error) {
    finishWithError(seq, op, target, error);
    return undefined;
  }
  if (!isThenable(result)) {
    finishWithValue(seq, result);
    return undefined;
  }
  return Promise.resolve(result).then(
    (value) => finishWithValue(seq, value),
    (error: unknown) => finishWithError(seq, op, target, error),
  );
}

/** An error escaped every call: fail the call in flight, or report it, then let the caller replace us. */
function escaped(error: unknown, what: string): void {
  if (retiring) return;
  retiring = true;
  if (inFlight.size > 0) {
    // The innermost call, the one the caller is waiting for: it replaces this worker.
    respond(Math.max(...inFlight), Status.UNCAUGHT, { what, error: encodeThrown(error) });
    return;
  }
  // Between calls nobody is waiting: say it on stderr (directly: the worker is about to stop) and stop.
  fs.writeSync(2, `syncbridge: ${what} in the worker between calls; the next call starts a fresh worker.\n${inspect(error)}\n`);
  process.exit(1);
}
process.on('uncaughtException', (error) => escaped(error, 'an uncaught exception'));
process.on('unhandledRejection', (reason) => escaped(reason, 'an unhandled rejection'));
process.on('exit', (code) => {
  Atomics.store(words, Word.EXIT_CODE, code ?? 0);
  Atomics.store(words, Word.WORKER_STATE, WorkerState.EXITED);
  signalCaller();
});
// A listener keeps this worker's event loop alive between calls; the caller unrefs the worker, so the
// process can still exit.
parentPort?.on('message', () => {});

const spin = new AdaptiveSpin(spinMicros, wakeSpinMicros);

/** Often enough for timers and I/O under back-to-back calls; rarely enough to cost little (~1%). */
const YIELD_EVERY_MS = 10;

/** The seq of the last request read out of the request area, by the serve loop or the pump. */
let handled = 0;

/** Reads the waiting request and starts it; a promise if it is asynchronous. */
function serveNext(): Promise<void> | undefined {
  handled = Atomics.load(words, Word.REQUEST_SEQ);
  let request: Request;
  try {
    request = readMessage(Atomics.load(words, Word.REQUEST_LENGTH), views.request, port) as Request;
  } catch (error) {
    // E.g. a transfer list with an ArrayBuffer that had already been transferred: the caller's postMessage
    // took it, but it cannot be rebuilt here. The caller waits for this seq: fail that call, not the worker.
    Atomics.store(words, Word.REQUEST_ACK, handled);
    if (Atomics.load(words, Word.CALLER_AWAITS_ACK) === 1) Atomics.notify(words, Word.REQUEST_ACK);
    respond(handled, Status.FAILED, {
      code: ErrorCodes.CLONE,
      message: `the request could not be rebuilt in the worker (${error instanceof Error ? error.message : String(error)}); was an ArrayBuffer in its transfer list already transferred or detached?`,
    } satisfies LibraryFailure);
    return undefined;
  }
  Atomics.store(words, Word.REQUEST_ACK, handled);
  // The caller waits to send its next message (e.g. the answer of a second callback of a Promise.all).
  if (Atomics.load(words, Word.CALLER_AWAITS_ACK) === 1) Atomics.notify(words, Word.REQUEST_ACK);
  return handle(request);
}

/** Parks until the caller writes the next request; WORKER_PARKED counts parked waiters for the caller's notify. */
async function parked(): Promise<void> {
  Atomics.add(words, Word.WORKER_PARKED, 1);
  const waiting = Atomics.waitAsync(words, Word.REQUEST_SEQ, handled);
  if (waiting.async) await waiting.value;
  Atomics.sub(words, Word.WORKER_PARKED, 1);
}

let pumping = false;
let pumpParked = false;

/**
 * While callbacks are outstanding, the serve loop may be awaiting the very call that made them; the
 * caller, running a callback, may meanwhile call this worker again or answer. The pump reads those
 * requests without waiting for any of them (they may nest to any depth).
 */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (outstandingCallbacks() > 0 && !retiring) {
      if (Atomics.load(words, Word.REQUEST_SEQ) !== handled) {
        void serveNext();
        continue;
      }
      pumpParked = true;
      await parked();
      pumpParked = false;
    }
  } finally {
    pumping = false;
  }
}

setUpCallbacks({
  sink: { post: (event) => postEvent(event) },
  policy: remote.resultPolicy,
  revive: remote.reviveArgument,
  busy: () => void pump(),
  // The last answer arrived: a parked pump must wake up to stop (a stale waiter would linger otherwise).
  idle: () => pumpParked && Atomics.notify(words, Word.REQUEST_SEQ),
});

async function serve(): Promise<void> {
  // A fresh buffer per worker: seqs start at 1, and a request may already be waiting.
  let lastYield = performance.now();
  Atomics.store(words, Word.WORKER_STATE, WorkerState.READY);
  for (;;) {
    if (Atomics.load(words, Word.REQUEST_SEQ) === handled && !spin.spin(words, Word.REQUEST_SEQ, handled, wokeCaller)) {
      await parked();
      lastYield = performance.now();
      continue;
    }
    const pending = serveNext();
    if (pending) await pending;
    // Back-to-back calls that finish without a macrotask would starve this thread's timers and I/O
    // (the spin above never yields): give the event loop a turn every YIELD_EVERY_MS.
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (retiring) return;
  }
}

void serve();
