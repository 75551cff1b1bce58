/**
 * The one seam between calling and carrying: what a session (bridge.ts) needs of the way it reaches its
 * worker, whether a thread over shared memory (thread/thread-link.ts) or a child process over a socket
 * (process/process-link.ts). A link carries messages (wire/protocol.ts) and knows how its executor starts,
 * ends and prints; it knows nothing of values, proxies, callbacks or errors, which are the session's.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { Event, Request, Response } from '../wire/protocol.js';

export type StrategyName = 'thread' | 'process';

/** What comes from the worker: the answer to a request, or an event (a callback call, a dropped callback). */
export type Incoming = Response | Event;

/** The executor ended (exited, crashed, was killed): `whyEnded()` says how. */
export const ENDED = 'ended';

/** Hints for encoding a message, from the vetting the session has already done. */
export interface Outgoing {
  /** The values are plain data that JSON carries exactly (cheaper than v8 serialization for objects). */
  json: boolean;
  /** A lower bound of the encoded size (protocol.ts sizeHintOf). */
  sizeHint: number;
  /** Buffers to move rather than copy, where the transport can (a process copies them). */
  transferList?: TransferListItem[];
}

export interface Link {
  readonly strategy: StrategyName;
  /** False once the executor has ended or is ending: the session then starts a new one. */
  usable(): boolean;
  /** Hands one message (a request, or a callback's reply) to the worker. Throws what encoding throws. */
  send(message: Request, outgoing: Outgoing): void;
  /**
   * Blocks this thread until the next message arrives (returned), the executor ends (ENDED), or the clock
   * (performance.now()) passes `until` (undefined). Output the worker printed meanwhile is written out as it comes.
   */
  receive(until: number): Incoming | typeof ENDED | undefined;
  /** Writes out the worker's output that has arrived and not been written yet, in order. */
  flushOutput(): void;
  /** Whether the worker's own code has started (a slow or failed start is reported as such). */
  started(): boolean;
  /** Why the executor ended during a call: the sentence ERR_SYNCBRIDGE_WORKER_EXIT gives after the call's label. */
  whyEnded(): string;
  /** Where messages that arrive between calls go (a listener the worker calls later), on this thread's event loop. */
  listen(onMessage: (message: Incoming) => void): void;
  /** What ended the executor between calls, when its runtime said (the cause of the proxies' RELEASED errors). */
  readonly error?: unknown;
  /** Stops the executor; the link is unusable from now on. */
  stop(): Promise<void>;
}
