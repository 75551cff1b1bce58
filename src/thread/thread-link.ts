/**
 * The worker-thread strategy's link: one worker thread and one SharedArrayBuffer (wire/protocol.ts). The
 * caller blocks on the buffer with a bounded spin, then Atomics.wait in slices, so that it also drains
 * output, notices a dead worker and returns at the session's deadlines. A watchdog thread (watchdog.ts)
 * starts once a wait has lasted a while, to notice a worker that died without a word.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { defaults } from '../config/defaults.js';
import type { WorkerOptions } from '../config/options.js';
import { unsupportedWorkerOptions } from '../env/runtime.js';
import { diagnoseStartup } from '../env/startup-diagnosis.js';
import { ErrorCodes, libraryError } from '../errors.js';
import { ENDED, type Incoming, type Link, type Outgoing } from '../session/link.js';
import { drainOutput } from '../wire/output.js';
import {
  allocatePayloadAreas,
  allocateShared,
  type Event,
  OK_UNDEFINED,
  RequestHeads,
  readMessage,
  type Request,
  type Response,
  type SharedViews,
  Status,
  viewsOf,
  Word,
  WorkerState,
  writeMessage,
  writeValues,
} from '../wire/protocol.js';
import { SpareBuffer } from '../wire/spare-buffer.js';
import { AdaptiveSpin } from '../wire/spin.js';
import type { ThreadWorkerData } from '../worker/thread-endpoint.js';
import { defaultExecArgv } from './loaders.js';
import { startWatchdog } from './watchdog.js';

/** The worker's code, bundled to a string at build time (scripts/build.mjs). */
declare const __SYNCBRIDGE_WORKER_SOURCE__: string;

/** Why a worker thread cannot run here with these options, or undefined (see strategy/choose.ts). */
export function threadUnavailable(options: WorkerOptions): string | undefined {
  const permission = (process as { permission?: { has(scope: string): boolean } }).permission;
  if (permission && !permission.has('worker')) return "Node's permission model forbids worker threads here (no --allow-worker)";
  if (options.cwd !== undefined) return 'the "cwd" option needs a process of its own: a thread shares the caller\'s working directory';
  return unsupportedWorkerOptions(options);
}

/** Starts a worker thread; throws a SyncBridgeError (without the call's label) if it cannot. */
export function startThreadLink(options: WorkerOptions): Link {
  const unsupported = unsupportedWorkerOptions(options);
  if (unsupported) throw libraryError(ErrorCodes.UNSUPPORTED, unsupported);
  return new ThreadLink(options);
}

class ThreadLink implements Link {
  readonly strategy = 'thread';
  readonly #options: WorkerOptions;
  readonly #worker: Worker;
  readonly #buffer: SharedArrayBuffer;
  readonly #views: SharedViews;
  readonly #port: MessagePort;
  /** Entangled with a port the worker holds; handed to a watchdog once a call has blocked for a while. */
  readonly #watchPort: MessagePort;
  #watchdog: Worker | undefined;
  /** Events from the worker (protocol.ts Event): callback calls, late responses. */
  readonly #events: MessagePort;
  #eventsSeen = 0;
  /** The seq of the last message written into the request area. */
  #lastSent = 0;
  /** The last send woke the worker: the answer comes a wake-up later, so spin longer for it. */
  #wokeWorker = false;
  /**
   * Set by the worker's 'error' and 'exit' events. They arrive only when this thread's event loop runs
   * (between calls), so a death *during* a call is seen through the shared WORKER_STATE word instead.
   */
  #error: unknown;
  #exitCode: number | undefined;
  #stopped = false;
  /** The flags the worker was started with, for messages about a worker that failed to start. */
  readonly #execArgv: string[];
  readonly #spin = new AdaptiveSpin(defaults.callerSpinMicros, defaults.wakeSpinMicros);
  /** The request heads this worker keeps (a fresh worker keeps none). */
  readonly #heads = new RequestHeads();
  /** The buffer for the next answer's big binary part, made ready while the worker works. */
  readonly #spare = new SpareBuffer();

  constructor(options: WorkerOptions) {
    this.#options = options;
    const layout = defaults.layout;
    this.#buffer = allocateShared(layout);
    const payloads = allocatePayloadAreas(layout);
    this.#views = viewsOf(this.#buffer, layout, payloads);
    const { port1, port2 } = new MessageChannel();
    const watch = new MessageChannel();
    const events = new MessageChannel();
    const workerData: ThreadWorkerData = {
      buffer: this.#buffer,
      port: port2,
      events: events.port2,
      watchPort: watch.port2,
      layout,
      payloads,
      spinMicros: defaults.workerSpinMicros,
      wakeSpinMicros: defaults.wakeSpinMicros,
      spinGapMicros: defaults.spinGapMicros,
    };
    const { env, resourceLimits } = options;
    // A loader the caller registered at run time (the `ts-node` command) is added as a flag (loaders.ts).
    let execArgv = options.execArgv ?? defaultExecArgv();
    const start = () =>
      new Worker(__SYNCBRIDGE_WORKER_SOURCE__, {
        eval: true,
        name: 'syncbridge',
        workerData,
        transferList: [port2, watch.port2, events.port2],
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
        if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || options.execArgv || !execArgv) throw error;
        execArgv = undefined;
        worker = start();
      }
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') {
        // Node's permission model (--permission / --experimental-permission) forbids threads unless allowed.
        throw libraryError(
          ErrorCodes.UNSUPPORTED,
          "this process runs under Node's permission model, which forbids worker threads, and the thread strategy needs one. " +
            "Start Node with --allow-worker as well, or allow child processes (--allow-child-process) and use strategy: 'process' (or 'auto').",
          { cause: error },
        );
      }
      throw libraryError(ErrorCodes.WORKER_EXIT, `the worker could not be started: ${(error as Error).message}`, { cause: error });
    }
    // The worker must never keep the process alive: a script that makes calls and ends, exits.
    worker.unref();
    this.#worker = worker;
    this.#port = port1;
    this.#watchPort = watch.port1;
    this.#events = events.port1;
    this.#execArgv = execArgv ?? process.execArgv;
    worker.on('error', (error) => {
      this.#error = error;
    });
    worker.on('exit', (code) => {
      this.#exitCode = code;
    });
  }

  usable(): boolean {
    return !this.#stopped && this.#exitCode === undefined && Atomics.load(this.#views.words, Word.WORKER_STATE) !== WorkerState.EXITED;
  }

  /** The error that ended the worker between calls, if its event said. */
  get error(): unknown {
    return this.#error;
  }

  started(): boolean {
    return Atomics.load(this.#views.words, Word.WORKER_STATE) !== WorkerState.STARTING;
  }

  send(message: Request, { json, sizeHint, transferList }: Outgoing): void {
    const { words } = this.#views;
    if (Atomics.load(words, Word.REQUEST_ACK) !== this.#lastSent) this.#awaitRequestRead();
    // A head the worker keeps: the values alone (a no-op call writes no bytes at all).
    const eligible = json && !transferList && RequestHeads.eligible(message);
    let head = eligible ? this.#heads.idOf(message) : undefined;
    let length = head === undefined ? undefined : writeValues(message[4], this.#views.request);
    if (length === undefined) {
      length = writeMessage(message, json, this.#views.request, this.#port, transferList, sizeHint, this.#views.requestPayloads);
      // Whole, in the area, as JSON: the worker can keep its head (negative: "keep it as this number").
      head = eligible && length >= 0 && head === undefined ? -this.#heads.add(message) : 0;
    }
    const seq = message[0];
    this.#lastSent = seq;
    Atomics.store(words, Word.REQUEST_HEAD, head ?? 0);
    Atomics.store(words, Word.REQUEST_LENGTH, length);
    Atomics.store(words, Word.REQUEST_SEQ, seq);
    this.#wokeWorker = Atomics.load(words, Word.WORKER_PARKED) > 0;
    if (this.#wokeWorker) Atomics.notify(words, Word.REQUEST_SEQ);
  }

  /**
   * The worker has not yet read the last message (rare: a callback that ran while the worker was busy
   * answered before the worker got to the request that was waiting). Its event loop is free, so it will.
   */
  #awaitRequestRead(): void {
    const { words } = this.#views;
    const deadline = performance.now() + defaults.watchdogAfter + 10_000;
    // Published before each look at REQUEST_ACK: a worker that reads the message after our look sees it,
    // and notifies (sequential consistency). The 1 ms slices are only for noticing a worker that died.
    Atomics.store(words, Word.CALLER_AWAITS_ACK, 1);
    try {
      while (Atomics.load(words, Word.REQUEST_ACK) !== this.#lastSent) {
        if (Atomics.load(words, Word.WORKER_STATE) === WorkerState.EXITED || Atomics.load(words, Word.WORKER_GONE) === 1) return;
        if (performance.now() > deadline) {
          throw libraryError(ErrorCodes.TIMEOUT, 'the worker did not read the previous message within 10 s; its thread may be stuck in synchronous code.');
        }
        Atomics.wait(words, Word.REQUEST_ACK, Atomics.load(words, Word.REQUEST_ACK), 1);
      }
    } finally {
      Atomics.store(words, Word.CALLER_AWAITS_ACK, 0);
    }
  }

  receive(until: number): Incoming | typeof ENDED | undefined {
    const { words } = this.#views;
    // When the wait began, for the watchdog: read once the spin is over (a quick answer never needs it).
    let entered = -1;
    let spun = false;
    for (;;) {
      const signal = Atomics.load(words, Word.SIGNAL);
      const message = this.#take();
      if (message) return message;
      if (Atomics.load(words, Word.WORKER_STATE) === WorkerState.EXITED || Atomics.load(words, Word.WORKER_GONE) === 1) return ENDED;
      if (Atomics.load(words, Word.OUTPUT_LENGTH) > 0) drainOutput(this.#views);
      if (!spun) {
        // While the worker works: the answer's big part, if the last answers had one of a size, gets its
        // memory ready (spare-buffer.ts); it stops once the answer has come (the rest faults in as it is copied).
        this.#spare.prepareWhile(() => Atomics.load(words, Word.SIGNAL) === signal);
        // Spin first: the answer to a quick call arrives before a park/wake cycle would finish.
        spun = true;
        this.#spin.spin(words, Word.SIGNAL, signal, this.#spin.budget(this.#wokeWorker));
        this.#wokeWorker = false;
        continue;
      }
      const now = performance.now();
      if (entered < 0) entered = now;
      if (now >= until) return undefined;
      if (!this.#watchdog && now - entered >= defaults.watchdogAfter) this.#watchdog = startWatchdog(this.#buffer, this.#watchPort);
      // Something arrived while we looked: look again before parking.
      if (Atomics.load(words, Word.SIGNAL) !== signal) continue;
      const watchdogDue = this.#watchdog ? Infinity : entered + defaults.watchdogAfter;
      Atomics.store(words, Word.CALLER_PARKED, 1);
      Atomics.wait(words, Word.SIGNAL, signal, Math.min(until, watchdogDue) - now);
      Atomics.store(words, Word.CALLER_PARKED, 0);
    }
  }

  /** The next message the worker sent: an event first (they were posted before the area was written again), then the response area. */
  #take(): Incoming | undefined {
    const { words } = this.#views;
    if (Atomics.load(words, Word.EVENTS_POSTED) !== this.#eventsSeen) {
      const received = receiveMessageOnPort(this.#events);
      if (received) {
        this.#eventsSeen++;
        const event = received.message as Event;
        return event[0] === 'response' ? event[1] : event;
      }
    }
    const inArea = Atomics.load(words, Word.RESPONSE_SEQ);
    if (inArea === Atomics.load(words, Word.RESPONSE_ACK)) return undefined;
    let response: Response;
    const length = Atomics.load(words, Word.RESPONSE_LENGTH);
    try {
      if (length === OK_UNDEFINED) {
        this.#spare.noteReceived(0);
        response = [inArea, Status.OK];
      } else response = readMessage(length, this.#views.response, this.#port, this.#views.responsePayloads, this.#spare) as Response;
    } catch (error) {
      // E.g. a structure the worker's (larger) stack could serialize, but this thread cannot rebuild.
      response = [
        inArea,
        Status.FAILED,
        { code: ErrorCodes.CLONE, message: `the result could not be rebuilt in the calling thread (${(error as Error).message}).` },
      ];
    }
    Atomics.store(words, Word.RESPONSE_ACK, inArea);
    return response;
  }

  flushOutput(): void {
    drainOutput(this.#views);
  }

  listen(onMessage: (message: Incoming) => void): void {
    // The port is unref'd: a listener the worker holds does not keep the process alive by itself.
    this.#events.on('message', (event: Event) => {
      this.#eventsSeen++;
      onMessage(event[0] === 'response' ? event[1] : event);
    });
    (this.#events as { unref?: () => void }).unref?.();
  }

  whyEnded(): string {
    const { words } = this.#views;
    const state = Atomics.load(words, Word.WORKER_STATE);
    const lost = "The module's state is lost; the next call starts a fresh worker.";
    if (state === WorkerState.EXITED) {
      return `the worker exited with code ${Atomics.load(words, Word.EXIT_CODE)} during the call (process.exit() in the worker?). ${lost}`;
    }
    const { resourceLimits } = this.#options;
    if (state === WorkerState.STARTING) {
      const diagnosis = diagnoseStartup(this.#execArgv, this.#options.env);
      return (
        `the worker failed while starting, before syncbridge's code ran: a --require/--import preload or loader in its ` +
        `execArgv (${JSON.stringify(this.#execArgv)}) most likely threw.` +
        (diagnosis ? ` Starting Node with the same flags printed:\n${diagnosis}` : '')
      );
    }
    if (resourceLimits) {
      return `the worker ran out of memory under resourceLimits ${JSON.stringify(resourceLimits)} (ERR_WORKER_OUT_OF_MEMORY) and was stopped. Raise the limits or use less memory per call. ${lost}`;
    }
    return `the worker stopped without running its exit handlers (terminated from outside, or the runtime killed it). ${lost}`;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#port.close();
    // A watchdog, if any, ends by itself when the worker's thread does; otherwise the port is still ours.
    if (!this.#watchdog) this.#watchPort.close();
    return this.#worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }
}
