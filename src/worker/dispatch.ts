/**
 * Inside the worker, whatever carries its messages: serving requests. Load the module (cached), call the
 * export or the runSync function or operate on a referenced object, await it, and answer through the outlet
 * (a thread's shared memory, thread-endpoint.ts; a process's socket, process-endpoint.ts). Calls may overlap:
 * a callback can call back into this worker while the call that made it is still awaited. Anything that
 * escapes a call (a throw in a timer, an unhandled rejection) fails the innermost call and retires this
 * worker, as Node would end a process.
 */
import fs from 'node:fs';
import { inspect } from 'node:util';
import type { TransferListItem } from 'node:worker_threads';
import { ErrorCodes } from '../errors.js';
import { revived, withMarkers } from '../remote/values.js';
import { Crossing, classify } from '../wire/clone-check.js';
import { encodeThrown } from '../wire/error-serialization.js';
import { type Event, jsonPays, type LibraryFailure, Op, REFS_FLAG, type Request, type Response, Status, sizeHintOf } from '../wire/protocol.js';
import { transferListOf } from '../wire/transfer.js';
import { settle, setUpCallbacks } from './callbacks.js';
import { Failure } from './failure.js';
import { findExport, listExports, loadedModule, loadModule } from './modules.js';
import * as remote from './objects.js';
import { afterPreloads } from './preloads.js';
import { closureFailure, compileFunction } from './run-function.js';

/** How answers and events leave this worker. */
export interface Outlet {
  respond(message: Response, json: boolean, transferList: TransferListItem[] | undefined, sizeHint: number): void;
  post(event: Event): void;
  /** The number of requests being served changed: output is captured while it is above 0. */
  inFlight(count: number): void;
  /** The first callback answer became outstanding (busy), or the last one arrived (idle). */
  callbacksBusy(busy: boolean): void;
}

let outlet: Outlet | undefined;
/** Requests being served: more than one when a callback called back into this worker. */
const inFlight = new Set<number>();
let retiring = false;

export function isRetiring(): boolean {
  return retiring;
}

export function setUpDispatch(out: Outlet): void {
  outlet = out;
  setUpCallbacks({
    sink: { post: (event) => out.post(event) },
    policy: remote.resultPolicy,
    revive: remote.reviveArgument,
    busy: () => out.callbacksBusy(true),
    idle: () => out.callbacksBusy(false),
  });
  process.on('uncaughtException', (error) => escaped(error, 'an uncaught exception'));
  process.on('unhandledRejection', (reason) => escaped(reason, 'an unhandled rejection'));
}

function respond(seq: number, status: Status, value: unknown, json = false, flags = 0): void {
  inFlight.delete(seq);
  outlet!.inFlight(inFlight.size);
  const transferList = status === Status.OK ? transferListOf([value]) : undefined;
  const message: Response = flags !== 0 ? [seq, status, value, flags] : value === undefined ? [seq, status] : [seq, status, value];
  outlet!.respond(message, json, transferList, sizeHintOf(value));
}

/** Fails the request `seq` on the library's behalf (e.g. it could not be read). */
export function refuse(seq: number, failure: LibraryFailure): void {
  respond(seq, Status.FAILED, failure);
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
      return { handles: remote.liveHandles(), heapUsed: process.memoryUsage().heapUsed, pid: process.pid };
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
export function handle([seq, op, target, key, args, flags, releases]: Request): Promise<void> | undefined {
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
  outlet!.inFlight(inFlight.size);
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
