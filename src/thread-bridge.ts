/**
 * The worker-thread strategy: one worker per calling thread (per set of worker options), started on first
 * use, reused by every later call, and replaced after a fault. The caller blocks on the shared buffer
 * (protocol.ts) with a bounded spin, then Atomics.wait in slices, so it can also drain output, notice a
 * dead worker, time out and report long waits.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { classify, Crossing } from './clone-check.js';
import { defaults } from './config/defaults.js';
import { assertCanBlock, detectRuntime, unsupportedWorkerOptions } from './env/runtime.js';
import { decodeThrown, type EncodedThrown } from './error-serialization.js';
import { fileOfFrame } from './stack.js';
import { ErrorCodes, SyncBridgeError, type ErrorCode } from './errors.js';
import type { CallSettings, WorkerOptions } from './config/options.js';
import { defaultExecArgv } from './loaders.js';
import { drainOutput, writeToCaller } from './output.js';
import { AdaptiveSpin } from './spin.js';
import { transferListOf } from './transfer.js';
import { startWatchdog } from './watchdog.js';
import {
  Status,
  Word,
  WorkerState,
  allocateShared,
  jsonPays,
  readMessage,
  sizeHintOf,
  viewsOf,
  writeMessage,
  type LibraryFailure,
  type Op,
  type Response,
  type SharedViews,
} from './protocol.js';
import type { WorkerData } from './worker/main.js';

/** The worker's code, bundled to a string at build time (scripts/build.mjs). */
declare const __SYNCBRIDGE_WORKER_SOURCE__: string;

/** What a call is, for messages: "fetchUser() from /app/client.js". */
export interface CallSite {
  label: string;
  /** The public function the user called: stack traces are cut above it. */
  entry: (...args: never[]) => unknown;
}

function callerFrames(entry: CallSite['entry']): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, entry);
  const frames = (holder.stack ?? '').split('\n').slice(1);
  return frames.length > 0 ? frames.join('\n') : framesBelowLibrary();
}

/** This library's own file, as stacks name it. */
const LIBRARY_FILE = fileOfFrame(new Error().stack?.split('\n').find((line) => line.trimStart().startsWith('at ')));

/**
 * Bun (JavaScriptCore) has proper tail calls: a `return f()` in the library can drop the entry function's
 * frame, and captureStackTrace(holder, entry) then yields no frames at all. The fallback: the whole stack
 * below the last frame in this library's own file (the library never calls back into the caller's code).
 */
function framesBelowLibrary(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder);
  const frames = (holder.stack ?? '').split('\n').slice(1);
  let last = -1;
  if (LIBRARY_FILE !== undefined) frames.forEach((frame, i) => fileOfFrame(frame) === LIBRARY_FILE && (last = i));
  return frames.slice(last + 1).join('\n');
}

/**
 * A worker that dies before our code runs leaves its error on an event we cannot receive while blocked.
 * Starting Node with the same flags in a child process reproduces it synchronously (failure path only).
 */
function diagnoseStartup(execArgv: string[], env: Record<string, string | undefined> | undefined): string | undefined {
  if (detectRuntime().name !== 'node') return undefined;
  let result: SpawnSyncReturns<string>;
  try {
    result = spawnSync(process.execPath, [...execArgv, '-e', '0'], { env: env ?? process.env, encoding: 'utf8', timeout: 10_000 });
  } catch {
    return undefined; // e.g. the permission model without --allow-child-process: no diagnosis, not a raw error
  }
  if (result.status === 0 || typeof result.stderr !== 'string') return undefined;
  return result.stderr.trim().split('\n').slice(0, 15).join('\n') || undefined;
}

function failure(code: ErrorCode, message: string, site: CallSite, cause?: unknown): SyncBridgeError {
  const error = new SyncBridgeError(code, message, cause === undefined ? undefined : { cause });
  Error.captureStackTrace(error, site.entry);
  // No frames left (Bun's tail calls, see framesBelowLibrary): point at the caller's code all the same.
  if (!/\n\s+at /.test(error.stack ?? '')) error.stack = `${error.stack ?? String(error)}\n${framesBelowLibrary()}`;
  return error;
}

interface LiveWorker {
  worker: Worker;
  views: SharedViews;
  buffer: SharedArrayBuffer;
  port: MessagePort;
  /** Entangled with a port the worker holds; handed to a watchdog once a call has blocked for a while. */
  watchPort: MessagePort;
  watchdog?: Worker;
  seq: number;
  /**
   * Set by the worker's 'error' and 'exit' events. They arrive only when this thread's event loop runs
   * (between calls), so a death *during* a call is seen through the shared WORKER_STATE word instead.
   */
  error?: unknown;
  exitCode?: number;
  /** The flags the worker was started with, for messages about a worker that failed to start. */
  execArgv: string[];
}

export class ThreadBridge {
  #live: LiveWorker | undefined;
  readonly #spin = new AdaptiveSpin(defaults.callerSpinMicros, defaults.wakeSpinMicros);

  constructor(private readonly workerOptions: WorkerOptions) {}

  call(op: Op, target: string, name: string, args: unknown[], settings: CallSettings, site: CallSite): unknown {
    const started = performance.now();
    // Vet first: structured clone would silently strip class instances and symbol keys, not just fail.
    let json = true;
    let sizeHint = 0;
    for (let i = 0; i < args.length; i++) {
      const crossing = classify(args[i], `argument ${i + 1}`);
      if (typeof crossing === 'string') throw failure(ErrorCodes.CLONE, `${site.label}: ${crossing}.`, site);
      sizeHint += sizeHintOf(args[i]);
      if (crossing !== Crossing.JSON || !jsonPays(args[i])) json = false;
    }
    const live = this.#ensureWorker(site);
    const seq = ++live.seq;
    const { words } = live.views;
    let length: number;
    try {
      length = writeMessage([seq, op, target, name, args], json, live.views.request, live.port, transferListOf(args), sizeHint);
    } catch (error) {
      throw failure(ErrorCodes.CLONE, `${site.label}: the arguments cannot be sent to the worker (${String(error)}).`, site, error);
    }
    Atomics.store(words, Word.REQUEST_LENGTH, length);
    Atomics.store(words, Word.REQUEST_SEQ, seq);
    const wokeWorker = Atomics.load(words, Word.WORKER_PARKED) === 1;
    if (wokeWorker) Atomics.notify(words, Word.REQUEST_SEQ);

    const outcome = this.#wait(live, seq, settings, started, site, wokeWorker);
    drainOutput(live.views);
    if (outcome === 'timed-out') {
      const neverStarted = Atomics.load(words, Word.WORKER_STATE) === WorkerState.STARTING;
      this.#retire();
      throw failure(
        ErrorCodes.TIMEOUT,
        `${site.label} did not finish within ${settings.timeout} ms` +
          (neverStarted ? ', and the worker had not even started (a slow or hanging loader in execArgv?)' : '') +
          ". The worker was stopped and the module's state is lost; the next call starts a fresh worker. " +
          'Raise the "timeout" option (or SYNCBRIDGE_TIMEOUT) if the call needs longer.',
        site,
      );
    }
    if (outcome === 'exited' || outcome === 'gone') {
      const state = Atomics.load(words, Word.WORKER_STATE);
      this.#retire();
      throw failure(ErrorCodes.WORKER_EXIT, `${site.label}: ${this.#whyGone(state, Atomics.load(words, Word.EXIT_CODE), live.execArgv)}`, site);
    }
    let response: Response;
    try {
      response = readMessage(Atomics.load(words, Word.RESPONSE_LENGTH), live.views.response, live.port) as Response;
    } catch (error) {
      // E.g. a structure the worker's (larger) stack could serialize, but this thread cannot rebuild.
      throw failure(ErrorCodes.CLONE, `${site.label}: the result could not be rebuilt in the calling thread (${(error as Error).message}).`, site, error);
    }
    const [, status, value] = response;
    switch (status) {
      case Status.OK:
        return value;
      case Status.THROW:
        throw decodeThrown(value as EncodedThrown, callerFrames(site.entry));
      case Status.FAILED: {
        const { code, message, cause } = value as LibraryFailure;
        throw failure(code as ErrorCode, `${site.label}: ${message}`, site, cause === undefined ? undefined : decodeThrown(cause as EncodedThrown));
      }
      case Status.UNCAUGHT: {
        const { what, error } = value as { what: string; error: EncodedThrown };
        this.#retire();
        throw failure(
          ErrorCodes.UNCAUGHT,
          `${site.label}: ${what} happened in the worker during the call (see cause), which would end a Node process. ` +
            "The worker was replaced and the module's state is lost; the next call starts a fresh worker.",
          site,
          decodeThrown(error),
        );
      }
      default:
        throw failure(ErrorCodes.WORKER_EXIT, `${site.label}: protocol error, unknown status ${String(status)}.`, site);
    }
  }

  /** Stops the worker, if any. The next call starts a new one. */
  close(): Promise<void> {
    return this.#retire();
  }

  #ensureWorker(site: CallSite): LiveWorker {
    const live = this.#live;
    if (live && live.exitCode === undefined && Atomics.load(live.views.words, Word.WORKER_STATE) !== WorkerState.EXITED) return live;
    if (live) this.#retire();
    assertCanBlock();
    const unsupported = unsupportedWorkerOptions(this.workerOptions);
    if (unsupported) throw failure(ErrorCodes.UNSUPPORTED, `${site.label}: ${unsupported}`, site);
    const layout = defaults.layout;
    const buffer = allocateShared(layout);
    const { port1, port2 } = new MessageChannel();
    const watch = new MessageChannel();
    const workerData: WorkerData = {
      buffer,
      port: port2,
      watchPort: watch.port2,
      layout,
      spinMicros: defaults.workerSpinMicros,
      wakeSpinMicros: defaults.wakeSpinMicros,
    };
    const { env, resourceLimits } = this.workerOptions;
    // A loader the caller registered at run time (the `ts-node` command) is added as a flag (loaders.ts).
    let execArgv = this.workerOptions.execArgv ?? defaultExecArgv();
    const start = () =>
      new Worker(__SYNCBRIDGE_WORKER_SOURCE__, {
        eval: true,
        name: 'syncbridge',
        workerData,
        transferList: [port2, watch.port2],
        ...(execArgv && { execArgv }),
        ...(env && { env }),
        ...(resourceLimits && { resourceLimits }),
      });
    let worker: Worker;
    try {
      try {
        worker = start();
      } catch (error) {
        // Flags we added to the caller's own (which Node would inherit as they are) may include per-process
        // ones that an explicit execArgv may not carry (--stack-size, --max-old-space-size): inherit instead.
        if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || this.workerOptions.execArgv || !execArgv) throw error;
        execArgv = undefined;
        worker = start();
      }
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') {
        // Node's permission model (--permission / --experimental-permission) forbids threads unless allowed.
        throw failure(
          ErrorCodes.UNSUPPORTED,
          `${site.label}: this process runs under Node's permission model, which forbids worker threads, and syncbridge ` +
            'needs one to run the call. Start Node with --allow-worker as well.',
          site,
          error,
        );
      }
      throw failure(ErrorCodes.WORKER_EXIT, `${site.label}: the worker could not be started: ${(error as Error).message}`, site, error);
    }
    // The worker must never keep the process alive: a script that makes calls and ends, exits.
    worker.unref();
    const next: LiveWorker = {
      worker,
      views: viewsOf(buffer, layout),
      buffer,
      port: port1,
      watchPort: watch.port1,
      seq: 0,
      execArgv: execArgv ?? process.execArgv,
    };
    worker.on('error', (error) => {
      next.error = error;
    });
    worker.on('exit', (code) => {
      next.exitCode = code;
    });
    this.#live = next;
    return next;
  }

  #wait(
    live: LiveWorker,
    seq: number,
    settings: CallSettings,
    started: number,
    site: CallSite,
    wokeWorker: boolean,
  ): 'answered' | 'timed-out' | 'exited' | 'gone' {
    const { words } = live.views;
    const deadline = started + settings.timeout;
    // Spin first: the answer to a quick call arrives before a park/wake cycle would finish.
    this.#spin.spin(words, Word.SIGNAL, Atomics.load(words, Word.SIGNAL), wokeWorker);
    if (Atomics.load(words, Word.RESPONSE_SEQ) === seq) return 'answered';

    let nextReport = settings.warnAfter > 0 ? started + settings.warnAfter : Infinity;
    for (;;) {
      const signal = Atomics.load(words, Word.SIGNAL);
      if (Atomics.load(words, Word.RESPONSE_SEQ) === seq) return 'answered';
      if (Atomics.load(words, Word.WORKER_STATE) === WorkerState.EXITED) return 'exited';
      if (Atomics.load(words, Word.WORKER_GONE) === 1) return 'gone';
      if (Atomics.load(words, Word.OUTPUT_LENGTH) > 0) drainOutput(live.views);
      const now = performance.now();
      if (now >= deadline) return 'timed-out';
      if (!live.watchdog && now - started >= defaults.watchdogAfter) live.watchdog = startWatchdog(live.buffer, live.watchPort);
      if (now >= nextReport) {
        this.#reportLongWait(live, site, now - started);
        nextReport += settings.warnAfter;
      }
      const watchdogDue = live.watchdog ? Infinity : started + defaults.watchdogAfter;
      Atomics.store(words, Word.CALLER_PARKED, 1);
      Atomics.wait(words, Word.SIGNAL, signal, Math.min(deadline, nextReport, watchdogDue) - now);
      Atomics.store(words, Word.CALLER_PARKED, 0);
    }
  }

  /** Explains a worker that ended during a call, from what it managed to record before it went. */
  #whyGone(state: number, exitCode: number, execArgv: string[]): string {
    const lost = "The module's state is lost; the next call starts a fresh worker.";
    if (state === WorkerState.EXITED) return `the worker exited with code ${exitCode} during the call (process.exit() in the worker?). ${lost}`;
    const { resourceLimits } = this.workerOptions;
    if (state === WorkerState.STARTING) {
      const diagnosis = diagnoseStartup(execArgv, this.workerOptions.env);
      return (
        `the worker failed while starting, before syncbridge's code ran: a --require/--import preload or loader in its ` +
        `execArgv (${JSON.stringify(execArgv)}) most likely threw.` +
        (diagnosis ? ` Starting Node with the same flags printed:\n${diagnosis}` : '')
      );
    }
    if (resourceLimits) {
      return `the worker ran out of memory under resourceLimits ${JSON.stringify(resourceLimits)} (ERR_WORKER_OUT_OF_MEMORY) and was stopped. Raise the limits or use less memory per call. ${lost}`;
    }
    return `the worker stopped without running its exit handlers (terminated from outside, or the runtime killed it). ${lost}`;
  }

  #reportLongWait(live: LiveWorker, site: CallSite, waited: number): void {
    const seconds = waited < 10_000 ? (waited / 1000).toFixed(1) : Math.round(waited / 1000);
    const starting = Atomics.load(live.views.words, Word.WORKER_STATE) === WorkerState.STARTING;
    writeToCaller(
      2,
      `syncbridge: ${site.label} has been blocking this thread for ${seconds} s. ` +
        (starting
          ? 'The worker has not started yet: a loader or --import in execArgv may have failed or hung. '
          : 'It is still running in the worker. If it waits for something only this (blocked) thread could provide ' +
            '(a message, a timer, a server running here), it will never finish: that is a deadlock. ') +
        'Set a "timeout" option or SYNCBRIDGE_TIMEOUT to fail instead of waiting; set warnAfter: 0 to silence this.\n',
    );
  }

  #retire(): Promise<void> {
    const live = this.#live;
    this.#live = undefined;
    if (!live) return Promise.resolve();
    live.port.close();
    // A watchdog, if any, ends by itself when the worker's thread does; otherwise the port is still ours.
    if (!live.watchdog) live.watchPort.close();
    return live.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }
}
