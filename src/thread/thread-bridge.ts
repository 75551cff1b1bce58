/**
 * The worker-thread strategy: one worker per calling thread (per set of worker options), started on first
 * use, reused by every later call, and replaced after a fault. The caller blocks on the shared buffer
 * (protocol.ts) with a bounded spin, then Atomics.wait in slices, so it can also drain output, notice a
 * dead worker, time out and report long waits.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { classify, Crossing, type ReferencePolicy } from '../wire/clone-check.js';
import { defaults } from '../config/defaults.js';
import { assertCanBlock, detectRuntime, unsupportedWorkerOptions } from '../env/runtime.js';
import { decodeThrown, encodeThrown, type EncodedThrown } from '../wire/error-serialization.js';
import { MARK, valueMarkerOf } from '../remote/markers.js';
import { Connection, describeRemote, reviveResult, stateOf } from '../remote/proxies.js';
import { revived, withMarkers } from '../remote/values.js';
import { callerFrames } from '../stack.js';
import { ErrorCodes, libraryError, pointAtCaller, SyncBridgeError, summarize, type ErrorCode } from '../errors.js';
import type { CallSettings, WorkerOptions } from '../config/options.js';
import { defaultExecArgv } from './loaders.js';
import { drainOutput, writeToCaller } from '../wire/output.js';
import { AdaptiveSpin } from '../wire/spin.js';
import { transferListOf } from '../wire/transfer.js';
import { startWatchdog } from './watchdog.js';
import {
  REFS_FLAG,
  Status,
  Word,
  WorkerState,
  allocateShared,
  jsonPays,
  readMessage,
  sizeHintOf,
  viewsOf,
  writeMessage,
  type Event,
  type LibraryFailure,
  Op,
  type Response,
  type SharedViews,
} from '../wire/protocol.js';
import type { WorkerData } from '../worker/main.js';

/** The worker's code, bundled to a string at build time (scripts/build.mjs). */
declare const __SYNCBRIDGE_WORKER_SOURCE__: string;

/** What a call is, for messages: "fetchUser() from /app/client.js". */
export interface CallSite {
  label: string;
  /** The public function the user called: stack traces are cut above it. */
  entry: (...args: never[]) => unknown;
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
  return libraryError(code, message, { entry: site.entry, cause });
}

/** Values ready to be written: vetted, with markers in place of what crosses by reference. */
interface Encoded {
  values: unknown[];
  flags: number;
  json: boolean;
  sizeHint: number;
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
  /** The proxies of this worker's objects, and the callbacks it holds. */
  connection: Connection;
  /** Events from the worker (protocol.ts Event): callback calls, late responses. */
  events: MessagePort;
  eventsSeen: number;
  /** Responses read before the call they answer was waited for (a callback was running meanwhile). */
  early: Map<number, Response>;
  /** Settings for what callbacks receive when they run between calls. */
  idleSettings: CallSettings;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Where a function found in an argument lived: its `this` when the worker calls it (a method of a plain object). */
function methodHolder(parent: unknown): object | undefined {
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || parent instanceof Map || parent instanceof Set) return undefined;
  return parent;
}

export class ThreadBridge {
  #live: LiveWorker | undefined;
  readonly #spin = new AdaptiveSpin(defaults.callerSpinMicros, defaults.wakeSpinMicros);
  /** The callbacks running on this thread now, innermost last: the worker is waiting for each of them. */
  readonly #runningCallbacks: string[] = [];

  constructor(private readonly workerOptions: WorkerOptions) {}

  /**
   * What may stand in an argument for something that does not cross by copy: a proxy of this worker's
   * objects (the object itself again, there), a URL. One per bridge: it is used and emptied within a call.
   */
  readonly #arguments: ReferencePolicy = {
    asyncIterables: false,
    replaced: new Map(),
    replace: (value, kind, parent) => {
      const remote = stateOf(value);
      if (remote) {
        if (remote.connection !== this.#live?.connection || remote.released || remote.connection.endedBy) {
          return `is a proxy of ${describeRemote(remote)}, which ${remote.released ? 'was released' : 'lived in a worker that has ended'}; pass a live one`;
        }
        return { [MARK]: 'handle', id: remote.marker.id };
      }
      // A function of ours: the worker gets a function that calls back into this thread.
      if (kind === 'function' && this.#live) return this.#live.connection.callbackMarker(value as (...args: unknown[]) => unknown, methodHolder(parent));
      // Not for other proxies: `instanceof` would run their traps (or throw, if revoked).
      return kind === 'instance' ? valueMarkerOf(value) : undefined;
    },
  };

  call(op: Op, target: string | number, key: string | number, args: unknown[], settings: CallSettings, site: CallSite, connection?: Connection): unknown {
    const started = performance.now();
    if (connection && connection !== this.#live?.connection) {
      throw failure(
        ErrorCodes.RELEASED,
        `${site.label}: the object lived in a worker that has ended (${connection.endedBy?.reason ?? 'closed'}).`,
        site,
        connection.endedBy?.cause,
      );
    }
    // The worker first: a function in the arguments becomes a callback of this worker's connection.
    const live = this.#ensureWorker(site);
    const encoded = this.#encode(args, site, (problem) => failure(ErrorCodes.CLONE, `${site.label}: ${problem}.`, site));
    const { seq, wokeWorker } = this.#send(live, op, target, key, encoded, site);
    const { words } = live.views;
    const outcome = this.#wait(live, seq, settings, started, site, wokeWorker);
    if (outcome instanceof Error) throw outcome;
    drainOutput(live.views);
    if (outcome === 'timed-out') {
      const neverStarted = Atomics.load(words, Word.WORKER_STATE) === WorkerState.STARTING;
      const error = failure(
        ErrorCodes.TIMEOUT,
        `${site.label} did not finish within ${settings.timeout} ms` +
          (neverStarted ? ', and the worker had not even started (a slow or hanging loader in execArgv?)' : '') +
          ". The worker was stopped and the module's state is lost; the next call starts a fresh worker. " +
          'Raise the "timeout" option (or SYNCBRIDGE_TIMEOUT) if the call needs longer.',
        site,
      );
      this.#retire(`${site.label} timed out`, error, live);
      throw error;
    }
    if (outcome === 'retired') {
      // A callback this call made stopped the worker: close(), or a nested call that timed out or failed
      // with UNCAUGHT. Say that, not that something outside killed it; a worker the callback started since
      // is not this call's to stop.
      const ended = live.connection.endedBy;
      throw failure(
        ErrorCodes.WORKER_EXIT,
        `${site.label}: the worker was stopped while this call was waiting for it, during a callback the call made: ${ended?.reason ?? 'it was closed'}. ` +
          "The module's state is lost; the next call starts a fresh worker.",
        site,
        ended?.cause,
      );
    }
    if (outcome === 'exited' || outcome === 'gone') {
      const state = Atomics.load(words, Word.WORKER_STATE);
      const error = failure(ErrorCodes.WORKER_EXIT, `${site.label}: ${this.#whyGone(state, Atomics.load(words, Word.EXIT_CODE), live.execArgv)}`, site);
      this.#retire('it stopped during a call', error, live);
      throw error;
    }
    const response = outcome;
    const [, status, value, responseFlags] = response;
    switch (status) {
      case Status.OK:
        if (responseFlags === REFS_FLAG) return revived(value, (marker) => reviveResult(marker, live.connection, this, settings));
        return value;
      case Status.THROW:
        throw decodeThrown(value as EncodedThrown, callerFrames(site.entry));
      case Status.FAILED: {
        const { code, message, cause } = value as LibraryFailure;
        throw failure(code as ErrorCode, `${site.label}: ${message}`, site, cause === undefined ? undefined : decodeThrown(cause as EncodedThrown));
      }
      case Status.UNCAUGHT: {
        const { what, error } = value as { what: string; error: EncodedThrown };
        const cause = decodeThrown(error);
        const uncaught = failure(
          ErrorCodes.UNCAUGHT,
          // A message that ends its own sentence ("… worker module.") is not given a second full stop.
          `${site.label}: ${what} happened in the worker during the call: ${(summarize(cause)?.text ?? 'see cause').replace(/\.$/, '')}. It would end a Node process. ` +
            "The worker was replaced and the module's state is lost; the next call starts a fresh worker.",
          site,
          cause,
        );
        this.#retire(`${what} in it`, uncaught, live);
        throw uncaught;
      }
      default:
        throw failure(ErrorCodes.WORKER_EXIT, `${site.label}: protocol error, unknown status ${String(status)}.`, site);
    }
  }

  /** Vets and encodes the values of a message to the worker: arguments, or a callback's result. */
  #encode(values: unknown[], site: CallSite, refuse: (problem: string) => Error): Encoded {
    // Vet first: structured clone would silently strip class instances and symbol keys, not just fail.
    let json = true;
    let sizeHint = 0;
    const policy = this.#arguments;
    policy.replaced.clear();
    for (let i = 0; i < values.length; i++) {
      const crossing = classify(values[i], `argument ${i + 1}`, policy);
      if (typeof crossing === 'string') {
        policy.replaced.clear();
        throw refuse(crossing);
      }
      sizeHint += sizeHintOf(values[i]);
      if (crossing !== Crossing.JSON || !jsonPays(values[i])) json = false;
    }
    void site;
    if (policy.replaced.size === 0) return { values, flags: 0, json, sizeHint };
    const marked = withMarkers(values, policy.replaced) as unknown[];
    policy.replaced.clear();
    return { values: marked, flags: REFS_FLAG, json, sizeHint };
  }

  /** Writes one message into the request area, once the worker has read the one before it. */
  #send(live: LiveWorker, op: Op, target: string | number, key: string | number, encoded: Encoded, site: CallSite): { seq: number; wokeWorker: boolean } {
    const { words } = live.views;
    if (Atomics.load(words, Word.REQUEST_ACK) !== live.seq) this.#awaitRequestRead(live, site);
    const seq = ++live.seq;
    const releases = live.connection.takeReleases();
    const { values, flags, json, sizeHint } = encoded;
    const request = releases ? [seq, op, target, key, values, flags, releases] : flags ? [seq, op, target, key, values, flags] : [seq, op, target, key, values];
    let length: number;
    try {
      length = writeMessage(request, json, live.views.request, live.port, transferListOf(values), sizeHint);
    } catch (error) {
      live.seq--;
      if (releases) live.connection.requeueReleases(releases);
      throw failure(ErrorCodes.CLONE, `${site.label}: the arguments cannot be sent to the worker (${String(error)}).`, site, error);
    }
    Atomics.store(words, Word.REQUEST_LENGTH, length);
    Atomics.store(words, Word.REQUEST_SEQ, seq);
    const wokeWorker = Atomics.load(words, Word.WORKER_PARKED) > 0;
    if (wokeWorker) Atomics.notify(words, Word.REQUEST_SEQ);
    return { seq, wokeWorker };
  }

  /**
   * The worker has not yet read the last message (rare: a callback that ran while the worker was busy
   * answered before the worker got to the request that was waiting). Its event loop is free, so it will.
   */
  #awaitRequestRead(live: LiveWorker, site: CallSite): void {
    const { words } = live.views;
    const deadline = performance.now() + defaults.watchdogAfter + 10_000;
    // Published before each look at REQUEST_ACK: a worker that reads the message after our look sees it,
    // and notifies (sequential consistency). The 1 ms slices are only for noticing a worker that died.
    Atomics.store(words, Word.CALLER_AWAITS_ACK, 1);
    try {
      while (Atomics.load(words, Word.REQUEST_ACK) !== live.seq) {
        if (Atomics.load(words, Word.WORKER_STATE) === WorkerState.EXITED || Atomics.load(words, Word.WORKER_GONE) === 1) return;
        if (performance.now() > deadline) throw failure(ErrorCodes.TIMEOUT, `${site.label}: the worker did not read the previous message.`, site);
        Atomics.wait(words, Word.REQUEST_ACK, Atomics.load(words, Word.REQUEST_ACK), 1);
      }
    } finally {
      Atomics.store(words, Word.CALLER_AWAITS_ACK, 0);
    }
  }

  /**
   * What the worker sent meanwhile: events (run callbacks, keep early responses), then the response
   * area. Returns the response to `seq` once it is here.
   */
  #take(live: LiveWorker, seq: number, settings: CallSettings, site: CallSite): Response | Error | undefined {
    const { words } = live.views;
    if (Atomics.load(words, Word.EVENTS_POSTED) !== live.eventsSeen) this.#drainEvents(live, settings);
    const inArea = Atomics.load(words, Word.RESPONSE_SEQ);
    if (inArea !== Atomics.load(words, Word.RESPONSE_ACK)) {
      let response: Response;
      try {
        response = readMessage(Atomics.load(words, Word.RESPONSE_LENGTH), live.views.response, live.port) as Response;
      } catch (error) {
        // E.g. a structure the worker's (larger) stack could serialize, but this thread cannot rebuild.
        response = [
          inArea,
          Status.FAILED,
          { code: ErrorCodes.CLONE, message: `the result could not be rebuilt in the calling thread (${(error as Error).message}).` },
        ];
      }
      Atomics.store(words, Word.RESPONSE_ACK, inArea);
      if (inArea === seq) return response;
      live.early.set(inArea, response);
    }
    const early = live.early.get(seq);
    if (early) {
      live.early.delete(seq);
      return early;
    }
    void site;
    return undefined;
  }

  #drainEvents(live: LiveWorker, settings: CallSettings): void {
    for (;;) {
      const received = receiveMessageOnPort(live.events);
      if (!received) return;
      live.eventsSeen++;
      this.#onEvent(live, received.message as Event, settings, true);
    }
  }

  #onEvent(live: LiveWorker, event: Event, settings: CallSettings, blocked: boolean): void {
    switch (event[0]) {
      case 'response':
        live.early.set(event[1][0], event[1]);
        return;
      case 'drop':
        live.connection.dropCallback(event[1], event[2]);
        return;
      case 'call':
        this.#runCallback(live, event, settings, blocked);
        return;
    }
  }

  /**
   * Runs a callback the worker called, on this thread, and answers. `blocked`: this thread is inside a
   * sync call (its event loop cannot run, so a promise the callback returns cannot be awaited).
   */
  #runCallback(live: LiveWorker, [, callId, callbackId, args, flags]: Extract<Event, { 0: 'call' }>, settings: CallSettings, blocked: boolean): void {
    // The worker's output so far first: it printed before it called.
    if (Atomics.load(live.views.words, Word.OUTPUT_LENGTH) > 0) drainOutput(live.views);
    const callback = live.connection.callback(callbackId);
    const site: CallSite = { label: `callback ${callback?.fn.name || 'anonymous function'}`, entry: this.#runCallback };
    const answer = (status: Status, value: unknown) => {
      if (this.#live !== live) return; // the worker has gone; nobody waits for this answer
      let encoded: Encoded;
      try {
        encoded = status === Status.OK ? this.#encode([value], site, (problem) => new Error(problem)) : { values: [value], flags: 0, json: false, sizeHint: 0 };
      } catch (error) {
        encoded = {
          values: [{ code: ErrorCodes.CLONE, message: `its return value cannot cross: ${(error as Error).message.replace(/^argument 1/, 'the value')}` }],
          flags: 0,
          json: false,
          sizeHint: 0,
        };
        status = Status.FAILED;
      }
      this.#send(live, Op.REPLY, callId, status, encoded, site);
    };
    if (!callback) {
      answer(Status.FAILED, { code: ErrorCodes.RELEASED, message: `the calling thread no longer holds callback #${callbackId}.` });
      return;
    }
    let result: unknown;
    this.#runningCallbacks.push(callback.fn.name || 'anonymous function');
    try {
      const values = flags === REFS_FLAG ? (revived(args, (marker) => reviveResult(marker, live.connection, this, settings)) as unknown[]) : args;
      result = callback.fn.apply(callback.thisArg, values);
    } catch (error) {
      answer(Status.THROW, encodeThrown(error));
      return;
    } finally {
      this.#runningCallbacks.pop();
    }
    if (!isThenable(result)) {
      answer(Status.OK, result);
      return;
    }
    if (!blocked) {
      // Between calls, on the event loop: a promise is awaited like any other.
      Promise.resolve(result).then(
        (value) => answer(Status.OK, value),
        (error: unknown) => answer(Status.THROW, encodeThrown(error)),
      );
      return;
    }
    Promise.resolve(result).catch(() => {}); // its outcome can reach nobody; do not let it crash the process
    answer(Status.FAILED, {
      code: ErrorCodes.CALLBACK_ASYNC,
      message:
        'it returned a promise while the calling thread was blocked in a synchronous call, where nothing can await it ' +
        "(this thread's event loop cannot run until the call returns). Make the callback synchronous, or do its " +
        'asynchronous part inside the worker module.',
    });
  }

  /** Stops the worker, if any. The next call starts a new one. */
  close(): Promise<void> {
    return this.#retire('close() stopped it');
  }

  #ensureWorker(site: CallSite): LiveWorker {
    const live = this.#live;
    if (live && live.exitCode === undefined && Atomics.load(live.views.words, Word.WORKER_STATE) !== WorkerState.EXITED) return live;
    if (live) this.#retire('it exited between calls', live.error);
    try {
      assertCanBlock();
    } catch (error) {
      throw error instanceof SyncBridgeError ? pointAtCaller(error, site.entry) : error;
    }
    const unsupported = unsupportedWorkerOptions(this.workerOptions);
    if (unsupported) throw failure(ErrorCodes.UNSUPPORTED, `${site.label}: ${unsupported}`, site);
    const layout = defaults.layout;
    const buffer = allocateShared(layout);
    const { port1, port2 } = new MessageChannel();
    const watch = new MessageChannel();
    const events = new MessageChannel();
    const workerData: WorkerData = {
      buffer,
      port: port2,
      events: events.port2,
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
      connection: new Connection(),
      events: events.port1,
      eventsSeen: 0,
      early: new Map(),
      idleSettings: { timeout: defaults.timeout, warnAfter: defaults.warnAfter },
    };
    // Between calls, callbacks (listeners) run on this thread's event loop as their calls arrive. The port
    // is unref'd: a listener the worker holds does not keep the process alive by itself.
    next.events.on('message', (event: Event) => {
      next.eventsSeen++;
      this.#onEvent(next, event, next.idleSettings, false);
    });
    (next.events as { unref?: () => void }).unref?.();
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
  ): Response | Error | 'timed-out' | 'exited' | 'gone' | 'retired' {
    const { words } = live.views;
    const deadline = started + settings.timeout;
    // Spin first: the answer to a quick call arrives before a park/wake cycle would finish.
    this.#spin.spin(words, Word.SIGNAL, Atomics.load(words, Word.SIGNAL), wokeWorker);
    let nextReport = settings.warnAfter > 0 ? started + settings.warnAfter : Infinity;
    for (;;) {
      const signal = Atomics.load(words, Word.SIGNAL);
      const response = this.#take(live, seq, settings, site);
      if (response) return response;
      if (this.#live !== live) return 'retired'; // a callback closed or replaced the worker
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
      // Something arrived while we looked (a callback ran): look again before parking.
      if (Atomics.load(words, Word.SIGNAL) !== signal) continue;
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
        (this.#runningCallbacks.length > 0
          ? `This call was made inside ${this.#runningCallbacks.map((name) => `callback ${name}`).join(', inside ')}, which the worker called and is waiting for. `
          : '') +
        'Set a "timeout" option or SYNCBRIDGE_TIMEOUT to fail instead of waiting; set warnAfter: 0 to silence this.\n',
    );
  }

  /** Stops `live` (by default the current worker); a newer one a callback started meanwhile stays. */
  #retire(reason: string, cause?: unknown, live = this.#live): Promise<void> {
    if (this.#live === live) this.#live = undefined;
    if (!live) return Promise.resolve();
    live.connection.end(reason, cause);
    live.port.close();
    // A watchdog, if any, ends by itself when the worker's thread does; otherwise the port is still ours.
    if (!live.watchdog) live.watchPort.close();
    return live.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }
}
