/**
 * The worker thread's end of the shared buffer (wire/protocol.ts): the serve loop that spins, then parks
 * with Atomics.waitAsync so that this thread's event loop keeps running; the pump that reads the request
 * area while callbacks are outstanding; answers in the response area (or as events when it is occupied);
 * captured output in the output area.
 */
import { type MessagePort, parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import { ErrorCodes } from '../errors.js';
import { captureOutput } from '../wire/output.js';
import {
  type Event,
  type Layout,
  type LibraryFailure,
  KeptHeads,
  OK_UNDEFINED,
  type PayloadAreas,
  readMessage,
  type Request,
  type Response,
  Status,
  viewsOf,
  Word,
  WorkerState,
  writeMessage,
} from '../wire/protocol.js';
import { SPARE_IDLE_MS, SpareBuffer } from '../wire/spare-buffer.js';
import { AdaptiveSpin } from '../wire/spin.js';
import { outstandingCallbacks } from './callbacks.js';
import { handle, isRetiring, refuse, setUpDispatch } from './dispatch.js';

export interface ThreadWorkerData {
  buffer: SharedArrayBuffer;
  port: MessagePort;
  /** Events for the caller (protocol.ts Event): callback calls, late responses. */
  events: MessagePort;
  /** Never used here: it only has to live exactly as long as this thread (see watchdog.ts). */
  watchPort: MessagePort;
  layout: Layout;
  /** The growable payload areas (protocol.ts), where the runtime has growable SharedArrayBuffers. */
  payloads: PayloadAreas | undefined;
  spinMicros: number;
  wakeSpinMicros: number;
  /** The longest gap between calls worth staying awake through (wire/spin.ts); 0: park after the base spin. */
  spinGapMicros?: number;
}

/** Often enough for timers and I/O under back-to-back calls; rarely enough to cost little (~1%). */
const YIELD_EVERY_MS = 10;
/** A spin through the caller's gap (up to SYNCBRIDGE_SPIN_GAP_MICROS) lets the event loop run this often. */
const SPIN_SLICE_MICROS = 500;

export function serveThread(): void {
  // Kept in this closure for the thread's lifetime, watchPort included (watchdog.ts relies on that).
  const { buffer, port, events, watchPort, layout, payloads, spinMicros, wakeSpinMicros, spinGapMicros = 0 } = workerData as ThreadWorkerData;
  void watchPort;
  const views = viewsOf(buffer, layout, payloads);
  const { words } = views;

  /** True if the caller was parked and had to be woken. */
  const signalCaller = (): boolean => {
    Atomics.add(words, Word.SIGNAL, 1);
    if (Atomics.load(words, Word.CALLER_PARKED) !== 1) return false;
    Atomics.notify(words, Word.SIGNAL);
    return true;
  };

  const output = captureOutput(views, signalCaller);
  /** Whether the last answer had to wake the caller: its next request then comes a wake-up later. */
  let wokeCaller = false;

  const postEvent = (event: Event, transferList?: TransferListItem[]): void => {
    events.postMessage(event, transferList ?? []);
    // Posted first, counted second: a caller that sees the count finds the event on its port.
    Atomics.add(words, Word.EVENTS_POSTED, 1);
    signalCaller();
  };

  const respond = (message: Response, json: boolean, transferList: TransferListItem[] | undefined, sizeHint: number): void => {
    if (Atomics.load(words, Word.RESPONSE_ACK) !== Atomics.load(words, Word.RESPONSE_SEQ)) {
      // The caller has not read the last response yet (it is running a callback that called us again):
      // this one must not overwrite it, and goes as an event instead.
      try {
        postEvent(['response', message], transferList);
      } catch (error) {
        postEvent([
          'response',
          [message[0], Status.FAILED, { code: ErrorCodes.CLONE, message: `The result could not be sent to the calling thread: ${String(error)}` }],
        ]);
      }
      return;
    }
    let length: number;
    try {
      // "Returned nothing", the most common answer: no bytes.
      length =
        message.length === 2 && message[1] === Status.OK
          ? OK_UNDEFINED
          : writeMessage(message, json, views.response, port, transferList, sizeHint, views.responsePayloads);
    } catch (error) {
      // classify() vets values first; this catches what it cannot foresee (e.g. a getter that throws late).
      const failure: LibraryFailure = {
        code: ErrorCodes.CLONE,
        message: `The result could not be sent to the calling thread: ${error instanceof Error ? error.message : String(error)}`,
      };
      length = writeMessage([message[0], Status.FAILED, failure], false, views.response, port);
    }
    Atomics.store(words, Word.RESPONSE_LENGTH, length);
    Atomics.store(words, Word.RESPONSE_SEQ, message[0]);
    wokeCaller = signalCaller();
  };

  /** The seq of the last request read out of the request area, by the serve loop or the pump. */
  let handled = 0;
  /** The request heads the caller asked this worker to keep (protocol.ts, Word.REQUEST_HEAD). */
  const heads = new KeptHeads();
  /** The buffer for the next request's big binary part, made ready in the gap before it comes. */
  const spare = new SpareBuffer();
  let pumping = false;
  let pumpParked = false;

  /** Reads the waiting request and starts it; a promise if it is asynchronous. */
  const serveNext = (): Promise<void> | undefined => {
    handled = Atomics.load(words, Word.REQUEST_SEQ);
    let request: Request;
    try {
      const head = Atomics.load(words, Word.REQUEST_HEAD);
      const length = Atomics.load(words, Word.REQUEST_LENGTH);
      if (head > 0) {
        spare.noteReceived(0);
        request = heads.rebuild(head, handled, length, views.request);
      } else {
        request = readMessage(length, views.request, port, views.requestPayloads, spare) as Request;
        if (head < 0) heads.keep(-head, request);
      }
    } catch (error) {
      // E.g. a transfer list with an ArrayBuffer that had already been transferred: the caller's postMessage
      // took it, but it cannot be rebuilt here. The caller waits for this seq: fail that call, not the worker.
      acknowledge();
      refuse(handled, {
        code: ErrorCodes.CLONE,
        message: `the request could not be rebuilt in the worker (${error instanceof Error ? error.message : String(error)}); was an ArrayBuffer in its transfer list already transferred or detached?`,
      });
      return undefined;
    }
    acknowledge();
    return handle(request);
  };

  const acknowledge = (): void => {
    Atomics.store(words, Word.REQUEST_ACK, handled);
    // The caller waits to send its next message (e.g. the answer of a second callback of a Promise.all).
    if (Atomics.load(words, Word.CALLER_AWAITS_ACK) === 1) Atomics.notify(words, Word.REQUEST_ACK);
  };

  /** Parks until the caller writes the next request; WORKER_PARKED counts parked waiters for the caller's notify. */
  const parked = async (): Promise<void> => {
    Atomics.add(words, Word.WORKER_PARKED, 1);
    const waiting = Atomics.waitAsync(words, Word.REQUEST_SEQ, handled);
    // Calls have stopped for now: a spare made ready for the next request's part is not held for long.
    const dropSpare = waiting.async && spare.held ? setTimeout(() => spare.drop(), SPARE_IDLE_MS) : undefined;
    dropSpare?.unref();
    if (waiting.async) await waiting.value;
    if (dropSpare) clearTimeout(dropSpare);
    Atomics.sub(words, Word.WORKER_PARKED, 1);
  };

  /** The pump's spin: an answer needs the caller to run the callback first, so it gets the wake-up allowance too. */
  const pumpSpin = new AdaptiveSpin(spinMicros, wakeSpinMicros);
  /**
   * While callbacks are outstanding, the serve loop may be awaiting the very call that made them; the
   * caller, running a callback, may meanwhile call this worker again or answer. The pump reads those
   * requests without waiting for any of them (they may nest to any depth).
   */
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      while (outstandingCallbacks() > 0 && !isRetiring()) {
        if (Atomics.load(words, Word.REQUEST_SEQ) !== handled) {
          void serveNext();
          continue;
        }
        // The answer of a quick callback comes within a spin; a parked pump is woken through the event loop,
        // tens of µs later (a callback round trip measured 56 µs parking, against a 1.5 µs call).
        if (pumpSpin.spin(words, Word.REQUEST_SEQ, handled, pumpSpin.budget(true))) continue;
        pumpParked = true;
        await parked();
        pumpParked = false;
      }
    } finally {
      pumping = false;
    }
  };

  setUpDispatch({
    respond,
    post: (event) => postEvent(event),
    inFlight: (count) => {
      output.active = count > 0;
    },
    callbacksBusy: (busy) => {
      // After the call event is posted (busy comes just before it): the pump spins for the answer at once.
      if (busy) queueMicrotask(() => void pump());
      // The last answer arrived: a parked pump must wake up to stop (a stale waiter would linger otherwise).
      else if (pumpParked) Atomics.notify(words, Word.REQUEST_SEQ);
    },
  });
  process.on('exit', (code) => {
    Atomics.store(words, Word.EXIT_CODE, code ?? 0);
    Atomics.store(words, Word.WORKER_STATE, WorkerState.EXITED);
    signalCaller();
  });
  // A listener keeps this worker's event loop alive between calls; the caller unrefs the worker, so the
  // process can still exit.
  parentPort?.on('message', () => {});

  const spin = new AdaptiveSpin(spinMicros, wakeSpinMicros, spinGapMicros);
  /**
   * Spins for the next request: true if it came. A spin through a learned gap (longer than a slice) goes in
   * slices that let this thread's event loop run between them, and so is a promise; a short one is not.
   */
  const awaitRequest = (): boolean | Promise<boolean> => {
    const budget = spin.budget(wokeCaller);
    if (budget > SPIN_SLICE_MICROS) return spinThroughGap(budget);
    return spin.spin(words, Word.REQUEST_SEQ, handled, budget);
  };
  const spinThroughGap = async (budget: number): Promise<boolean> => {
    const end = performance.now() + budget / 1000;
    for (;;) {
      const left = (end - performance.now()) * 1000;
      if (spin.spin(words, Word.REQUEST_SEQ, handled, Math.min(left, SPIN_SLICE_MICROS))) return true;
      // The machine turned busy meanwhile (a core no longer to spare): a parked worker answers sooner.
      if (left <= SPIN_SLICE_MICROS || !spin.mayStayAwake()) return false;
      await new Promise((resolve) => setImmediate(resolve));
      if (Atomics.load(words, Word.REQUEST_SEQ) !== handled) return true;
      if (!spin.mayStayAwake()) return false;
    }
  };
  const serve = async (): Promise<void> => {
    // A fresh buffer per worker: seqs start at 1, and a request may already be waiting.
    let lastYield = performance.now();
    /** When the last answer went out: the gap to the next request is what the spin learns (-1: none yet). */
    let answeredAt = -1;
    Atomics.store(words, Word.WORKER_STATE, WorkerState.READY);
    for (;;) {
      // When the request was seen: the spin's own clock reading where it found it, else the clock now.
      let seen = -1;
      if (Atomics.load(words, Word.REQUEST_SEQ) === handled) {
        // In the gap: the next request's big part, if the last requests had one of a size, gets its memory ready.
        spare.prepareWhile(() => Atomics.load(words, Word.REQUEST_SEQ) === handled);
        const spun = awaitRequest();
        if (!(spun === true || (spun !== false && (await spun)))) {
          await parked();
          lastYield = performance.now();
          continue;
        }
        seen = spin.changedAt;
      }
      const started = seen >= 0 ? seen : performance.now();
      if (answeredAt >= 0) spin.noteGap((started - answeredAt) * 1000);
      const pending = serveNext();
      if (pending) await pending;
      answeredAt = performance.now();
      // Back-to-back calls that finish without a macrotask would starve this thread's timers and I/O
      // (the spin above never yields): give the event loop a turn every YIELD_EVERY_MS.
      if (answeredAt - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (isRetiring()) return;
    }
  };
  void serve();
}
