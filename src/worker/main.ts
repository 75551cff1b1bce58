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
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { findUncloneable } from '../clone-check.js';
import { encodeThrown } from '../error-serialization.js';
import { ErrorCodes } from '../errors.js';
import { captureOutput } from '../output.js';
import {
  Op,
  Status,
  Word,
  WorkerState,
  readMessage,
  viewsOf,
  writeMessage,
  type Layout,
  type LibraryFailure,
  type Request,
} from '../protocol.js';
import { Failure } from './failure.js';
import { loadModule, findExport, listExports } from './modules.js';
import { compileFunction, closureFailure } from './run-function.js';

export interface WorkerData {
  buffer: SharedArrayBuffer;
  port: MessagePort;
  /** Never used here: it only has to live exactly as long as this thread (see watchdog.ts). */
  watchPort: MessagePort;
  layout: Layout;
  spinMicros: number;
}

// Destructured into module-level constants, so watchPort stays referenced for this thread's lifetime.
const { buffer, port, watchPort, layout, spinMicros } = workerData as WorkerData;
void watchPort;
const views = viewsOf(buffer, layout);
const { words } = views;

function signalCaller(): void {
  Atomics.add(words, Word.SIGNAL, 1);
  Atomics.notify(words, Word.SIGNAL);
}

const output = captureOutput(views, signalCaller);
let currentSeq = 0;
let retiring = false;

function respond(seq: number, status: Status, value: unknown): void {
  let length: number;
  try {
    length = writeMessage([seq, status, value], views.response, port);
  } catch (error) {
    // findUncloneable vets values first; this catches what it cannot foresee (e.g. a getter that throws late).
    const failure: LibraryFailure = {
      code: ErrorCodes.CLONE,
      message: `The result could not be sent to the calling thread: ${error instanceof Error ? error.message : String(error)}`,
    };
    length = writeMessage([seq, Status.FAILED, failure], views.response, port);
  }
  output.active = false;
  Atomics.store(words, Word.RESPONSE_LENGTH, length);
  Atomics.store(words, Word.RESPONSE_SEQ, seq);
  signalCaller();
}

async function run(op: Request[1], target: string, name: string, args: unknown[]): Promise<unknown> {
  switch (op) {
    case Op.CALL: {
      const exports = await loadModule(target);
      const { fn, thisArg } = findExport(exports, target, name);
      return fn.apply(thisArg, args);
    }
    case Op.RUN:
      return compileFunction(target)(...args);
    case Op.EXPORTS:
      return listExports(await loadModule(target));
    default:
      throw new Error(`syncbridge: unknown operation ${String(op)}`);
  }
}

async function handle([seq, op, target, name, args]: Request): Promise<void> {
  currentSeq = seq;
  output.active = true;
  let status: Status;
  let value: unknown;
  try {
    const result = await run(op, target, name, args);
    const problem = findUncloneable(result, 'the return value');
    if (problem) {
      status = Status.FAILED;
      value = { code: ErrorCodes.CLONE, message: `${problem}.` } satisfies LibraryFailure;
    } else {
      status = Status.OK;
      value = result;
    }
  } catch (error) {
    const failure = error instanceof Failure ? error.failure : op === Op.RUN ? closureFailure(error) : undefined;
    if (failure) {
      status = Status.FAILED;
      value = failure;
    } else {
      status = Status.THROW;
      value = encodeThrown(error);
    }
  }
  if (retiring) return;
  currentSeq = 0;
  respond(seq, status, value);
}

/** An error escaped every call: fail the call in flight, or report it, then let the caller replace us. */
function escaped(error: unknown, what: string): void {
  if (retiring) return;
  retiring = true;
  if (currentSeq !== 0) {
    respond(currentSeq, Status.UNCAUGHT, { what, error: encodeThrown(error) });
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

/** Bounded spin: true if words[index] moved away from `value` within the budget. */
function spinUntilChanged(index: number, value: number, micros: number): boolean {
  if (micros <= 0) return false;
  const deadline = performance.now() + micros / 1000;
  do {
    for (let i = 0; i < 100; i++) if (Atomics.load(words, index) !== value) return true;
  } while (performance.now() < deadline);
  return false;
}

async function serve(): Promise<void> {
  // A fresh buffer per worker: seqs start at 1, and a request may already be waiting.
  let handled = 0;
  Atomics.store(words, Word.WORKER_STATE, WorkerState.READY);
  for (;;) {
    if (Atomics.load(words, Word.REQUEST_SEQ) === handled && !spinUntilChanged(Word.REQUEST_SEQ, handled, spinMicros)) {
      const waiting = Atomics.waitAsync(words, Word.REQUEST_SEQ, handled);
      if (waiting.async) await waiting.value;
      continue;
    }
    handled = Atomics.load(words, Word.REQUEST_SEQ);
    const request = readMessage(Atomics.load(words, Word.REQUEST_LENGTH), views.request, port) as Request;
    await handle(request);
    if (retiring) return;
  }
}

void serve();
