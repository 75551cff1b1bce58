/**
 * A bridge: the calling thread's side of one session with a worker, whatever carries it (session/link.ts).
 * It vets and encodes arguments, numbers the messages, waits for the answer while it runs the callbacks the
 * worker calls meanwhile, turns statuses into values and errors, reports long waits, and replaces the worker
 * after a fault. One bridge per calling thread and set of options (api/bridges.ts); which strategy carries
 * it is strategy/choose.ts's decision.
 */
import { defaults } from '../config/defaults.js';
import type { CallSettings, WorkerOptions } from '../config/options.js';
import { assertCanBlock } from '../env/runtime.js';
import { type ErrorCode, ErrorCodes, libraryError, pointAtCaller, SyncBridgeError, summarize } from '../errors.js';
import { MARK, valueMarkerOf } from '../remote/markers.js';
import { Connection, describeRemote, reviveResult, stateOf } from '../remote/proxies.js';
import { revived, withMarkers } from '../remote/values.js';
import { callerFrames } from '../stack.js';
import { type Choice, choose, startLink } from '../strategy/choose.js';
import { Crossing, classify, type ReferencePolicy } from '../wire/clone-check.js';
import { decodeThrown, type EncodedThrown, encodeThrown } from '../wire/error-serialization.js';
import { writeToCaller } from '../wire/output.js';
import { type Event, jsonPays, type LibraryFailure, Op, REFS_FLAG, type Request, type Response, Status, sizeHintOf } from '../wire/protocol.js';
import { transferListOf } from '../wire/transfer.js';
import { ENDED, type Link } from './link.js';

/** What a call is, for messages: "fetchUser() from /app/client.js". */
export interface CallSite {
  label: string;
  /** The public function the user called: stack traces are cut above it. */
  entry: (...args: never[]) => unknown;
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
  /** The callbacks this message passes (counted as sent: if it is not sent after all, uncounted). */
  callbacks?: number[];
}

/** One worker's session: its link, its proxies and callbacks, and the numbering of messages. */
interface Live {
  link: Link;
  /** The proxies of this worker's objects, and the callbacks it holds. */
  connection: Connection;
  /** The seq of the last message sent (requests and callback replies alike). */
  seq: number;
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

export class Bridge {
  #live: Live | undefined;
  /** The strategy decision, made on first use and kept (explain() reports it). */
  #choice: Choice | undefined;
  /** The callbacks running on this thread now, innermost last: the worker is waiting for each of them. */
  readonly #runningCallbacks: string[] = [];

  constructor(readonly options: WorkerOptions) {}

  /** Which strategy this bridge uses (or would use), and why the others were passed over. */
  get choice(): Choice {
    this.#choice ??= choose(this.options);
    return this.#choice;
  }

  /** The strategy of the worker running now, if one is. */
  get running(): Link['strategy'] | undefined {
    return this.#live?.link.strategy;
  }

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
      if (kind === 'function' && this.#live) {
        const marker = this.#live.connection.callbackMarker(value as (...args: unknown[]) => unknown, methodHolder(parent));
        this.#encodedCallbacks.push(marker.id);
        return marker;
      }
      // Not for other proxies: `instanceof` would run their traps (or throw, if revoked).
      return kind === 'instance' ? valueMarkerOf(value) : undefined;
    },
  };

  /** The callbacks the message being encoded passes, so far (#encode). */
  #encodedCallbacks: number[] = [];

  /** A message that passed callbacks was not sent after all: the worker will never hold (nor drop) them. */
  #unsend(live: Live, callbacks: number[] | undefined): void {
    if (callbacks) for (const id of callbacks) live.connection.dropCallback(id, 1);
  }

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
    const encoded = this.#encode(args, (problem) => failure(ErrorCodes.CLONE, `${site.label}: ${problem}.`, site));
    const seq = this.#send(live, op, target, key, encoded, site);
    const outcome = this.#wait(live, seq, settings, started, site);
    live.link.flushOutput();
    if (outcome === 'timed-out') {
      const neverStarted = !live.link.started();
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
    if (outcome === ENDED) {
      const error = failure(ErrorCodes.WORKER_EXIT, `${site.label}: ${live.link.whyEnded()}`, site);
      this.#retire('it stopped during a call', error, live);
      throw error;
    }
    const [, status, value, responseFlags] = outcome;
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
  #encode(values: unknown[], refuse: (problem: string) => Error): Encoded {
    // Vet first: structured clone would silently strip class instances and symbol keys, not just fail.
    let json = true;
    let sizeHint = 0;
    const policy = this.#arguments;
    policy.replaced.clear();
    this.#encodedCallbacks = [];
    for (let i = 0; i < values.length; i++) {
      const crossing = classify(values[i], `argument ${i + 1}`, policy);
      if (typeof crossing === 'string') {
        policy.replaced.clear();
        // An earlier argument's function was counted as sent; this message never will be.
        if (this.#live) this.#unsend(this.#live, this.#encodedCallbacks);
        throw refuse(crossing);
      }
      sizeHint += sizeHintOf(values[i]);
      if (crossing !== Crossing.JSON || !jsonPays(values[i])) json = false;
    }
    if (policy.replaced.size === 0) return { values, flags: 0, json, sizeHint };
    const marked = withMarkers(values, policy.replaced) as unknown[];
    policy.replaced.clear();
    return { values: marked, flags: REFS_FLAG, json, sizeHint, callbacks: this.#encodedCallbacks.length > 0 ? this.#encodedCallbacks : undefined };
  }

  /** Numbers one message (with the releases of collected proxies riding on it) and hands it to the link. */
  #send(live: Live, op: Op, target: string | number, key: string | number, encoded: Encoded, site: CallSite): number {
    const seq = ++live.seq;
    const releases = live.connection.takeReleases();
    const { values, flags, json, sizeHint } = encoded;
    const request: Request = releases
      ? [seq, op, target, key, values, flags, releases]
      : flags
        ? [seq, op, target, key, values, flags]
        : [seq, op, target, key, values];
    try {
      live.link.send(request, { json, sizeHint, transferList: transferListOf(values) });
    } catch (error) {
      live.seq--;
      if (releases) live.connection.requeueReleases(releases);
      this.#unsend(live, encoded.callbacks);
      if (error instanceof SyncBridgeError) throw failure(error.code, `${site.label}: ${error.message}`, site, error.cause);
      throw failure(ErrorCodes.CLONE, `${site.label}: the arguments cannot be sent to the worker (${String(error)}).`, site, error);
    }
    return seq;
  }

  #onEvent(live: Live, event: Event, settings: CallSettings, blocked: boolean): void {
    switch (event[0]) {
      case 'drop':
        live.connection.dropCallback(event[1], event[2]);
        return;
      case 'call':
        this.#runCallback(live, event, settings, blocked);
        return;
      case 'response':
        // Links unwrap late responses; one that still arrives here answers nobody.
        return;
    }
  }

  /**
   * Runs a callback the worker called, on this thread, and answers. `blocked`: this thread is inside a
   * sync call (its event loop cannot run, so a promise the callback returns cannot be awaited).
   */
  #runCallback(live: Live, [, callId, callbackId, args, flags]: Extract<Event, { 0: 'call' }>, settings: CallSettings, blocked: boolean): void {
    // The worker's output so far first: it printed before it called.
    live.link.flushOutput();
    const callback = live.connection.callback(callbackId);
    const site: CallSite = { label: `callback ${callback?.fn.name || 'anonymous function'}`, entry: this.#runCallback };
    const answer = (status: Status, value: unknown) => {
      if (this.#live !== live) return; // the worker has gone; nobody waits for this answer
      let encoded: Encoded;
      try {
        encoded = status === Status.OK ? this.#encode([value], (problem) => new Error(problem)) : { values: [value], flags: 0, json: false, sizeHint: 0 };
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

  #ensureWorker(site: CallSite): Live {
    const live = this.#live;
    if (live?.link.usable()) return live;
    if (live) this.#retire('it exited between calls', live.link.error);
    try {
      assertCanBlock();
    } catch (error) {
      throw error instanceof SyncBridgeError ? pointAtCaller(error, site.entry) : error;
    }
    let link: Link;
    try {
      link = startLink(this.choice, this.options);
    } catch (error) {
      if (!(error instanceof SyncBridgeError)) throw error;
      throw failure(error.code, `${site.label}: ${error.message}`, site, error.cause);
    }
    const next: Live = {
      link,
      connection: new Connection(),
      seq: 0,
      early: new Map(),
      idleSettings: { timeout: defaults.timeout, warnAfter: defaults.warnAfter },
    };
    // Between calls, callbacks (listeners) run on this thread's event loop as their calls arrive.
    link.listen((message) => {
      if (typeof message[0] === 'string') this.#onEvent(next, message as Event, next.idleSettings, false);
    });
    this.#live = next;
    return next;
  }

  #wait(live: Live, seq: number, settings: CallSettings, started: number, site: CallSite): Response | 'timed-out' | typeof ENDED | 'retired' {
    const deadline = started + settings.timeout;
    let nextReport = settings.warnAfter > 0 ? started + settings.warnAfter : Infinity;
    for (;;) {
      const early = live.early.get(seq);
      if (early) {
        live.early.delete(seq);
        return early;
      }
      const message = live.link.receive(Math.min(deadline, nextReport));
      if (message === ENDED) return this.#live === live ? ENDED : 'retired';
      if (message !== undefined) {
        if (typeof message[0] === 'number') {
          const response = message as Response;
          if (response[0] === seq) return response;
          live.early.set(response[0], response);
        } else {
          this.#onEvent(live, message as Event, settings, true);
        }
        if (this.#live !== live) return 'retired'; // a callback closed or replaced the worker
        continue;
      }
      if (this.#live !== live) return 'retired';
      const now = performance.now();
      if (now >= deadline) return 'timed-out';
      if (now >= nextReport) {
        this.#reportLongWait(live, site, now - started);
        nextReport += settings.warnAfter;
      }
    }
  }

  #reportLongWait(live: Live, site: CallSite, waited: number): void {
    const seconds = waited < 10_000 ? (waited / 1000).toFixed(1) : Math.round(waited / 1000);
    writeToCaller(
      2,
      `syncbridge: ${site.label} has been blocking this thread for ${seconds} s. ` +
        (!live.link.started()
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
    return live.link.stop();
  }
}
