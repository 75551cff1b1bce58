/**
 * The wire between a calling thread and its worker: one place for the shared-memory layout and the
 * message shapes. Both sides import this file (the worker gets its own bundled copy).
 *
 * Memory: one SharedArrayBuffer per worker.
 *   [ header: Int32 words ][ request area ][ response area ][ output area ]
 * A call: the caller v8-serializes the request into the request area (or, when it does not fit, transfers
 * the bytes through the MessagePort and writes PAYLOAD_ON_PORT as the length), bumps REQUEST_SEQ and
 * notifies; the worker answers the same way in the response area, sets RESPONSE_SEQ to the request's seq
 * and bumps SIGNAL. Each side spins briefly before it parks (see defaults.ts): a parked thread takes tens
 * of microseconds to wake on these machines, a spinning one well under one.
 *
 * Both directions share these areas (docs/architecture.md): the request area also carries a callback's
 * answer (Op.REPLY), and each area is acknowledged (REQUEST_ACK, RESPONSE_ACK) before it is written again.
 * Calls of the caller's functions, and responses that find the response area still occupied, travel as
 * Events on a MessagePort of their own (EVENTS_POSTED counts them). The caller only ever waits on SIGNAL,
 * so every reason to wake it fits in.
 */
import v8 from 'node:v8';
import { receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';

/** Indices of the Int32 control words at the start of the shared buffer. */
export const Word = {
  /** Bumped by the caller when a request is ready; the worker waits on it. */
  REQUEST_SEQ: 0,
  /** Bumped by the worker whenever the caller should look again (response, output to drain, exit). */
  SIGNAL: 1,
  /** The seq of the request whose response is in the response area. */
  RESPONSE_SEQ: 2,
  REQUEST_LENGTH: 3,
  RESPONSE_LENGTH: 4,
  /** Bytes of captured stdout/stderr records waiting in the output area; the caller drains and zeroes it. */
  OUTPUT_LENGTH: 5,
  WORKER_STATE: 6,
  EXIT_CODE: 7,
  /** Set by the watchdog when the worker's thread has ended, however it ended (see watchdog.ts). */
  WORKER_GONE: 8,
  /**
   * 1 while that side is parked (or about to park). The other side calls Atomics.notify only then: a
   * notify is a lock and often a syscall, and a spinning side does not need one. Each side publishes
   * its flag before its last check, so one of the two always sees the other (sequential consistency).
   */
  CALLER_PARKED: 9,
  /** How many of the worker's waiters are parked (its serve loop, and its pump while callbacks run). */
  WORKER_PARKED: 10,
  /** The seq of the last request the worker has read out of the request area: the area is free again. */
  REQUEST_ACK: 11,
  /** The seq of the last response the caller has read out of the response area: the area is free again. */
  RESPONSE_ACK: 12,
  /** Bumped by the worker for each event it posts on the events port (callback calls, late responses). */
  EVENTS_POSTED: 13,
  /**
   * 1 while the caller waits for REQUEST_ACK (its next message must not overwrite one the worker has not
   * read): the worker then notifies REQUEST_ACK when it reads a request, instead of leaving the caller to
   * find out at its next poll.
   */
  CALLER_AWAITS_ACK: 14,
} as const;
export const HEADER_WORDS = 16;
export const HEADER_BYTES = HEADER_WORDS * 4;

/** Written as a length when the payload did not fit its area and travels through the MessagePort instead. */
export const PAYLOAD_ON_PORT = -1;
/** Written as a length when the message itself was posted, structured-cloned, with a transfer list. */
export const MESSAGE_ON_PORT = -2;

/** STARTING until the worker's own code runs; EXITED once its exit handler ran (process.exit, end). */
export const WorkerState = { STARTING: 0, READY: 1, EXITED: 2 } as const;

export const Op = {
  /** Call an export of a module: target = module URL, key = export name. */
  CALL: 0,
  /** Run a function from its source: target = source text. */
  RUN: 1,
  /** List a module's exports: target = module URL. */
  EXPORTS: 2,
  /** `new` an export (target = module URL, key = export name) or a referenced function (target = handle, key = ''). */
  CONSTRUCT: 3,
  /** Call a method of a referenced object: target = handle, key = method name. */
  CALL_METHOD: 4,
  /** Call a referenced function: target = handle, key = the handle of its `this`, or -1 for none. */
  APPLY: 5,
  /** Read a property of a referenced object (awaited if it is a promise): target = handle, key = name. */
  GET: 6,
  /** Set a property: target = handle, key = name, args = [value]. */
  SET: 7,
  /** The own enumerable string keys of a referenced object: target = handle. */
  KEYS: 8,
  /** Start iterating a referenced object: target = handle; the value is the iterator's handle. */
  ITER_OPEN: 9,
  /** The next items of an iterator (a bounded batch of those ready): target = iterator handle. */
  ITER_NEXT: 10,
  /** End an iteration early (break, return, throw): calls the iterator's return(); target = iterator handle. */
  ITER_RETURN: 11,
  /** Run a referenced object's own Symbol.asyncDispose / Symbol.dispose, then drop its handle. */
  DISPOSE: 13,
  /** The worker's own counters (live handles, heap), for tests and the doctor. */
  STATS: 14,
  /**
   * The answer to a callback call (see Event): target = the call's id, key = a Status, args = [value].
   * Not a request: nothing answers it.
   */
  REPLY: 15,
  /**
   * Call a method of an export (a class's static method, a callable export's own method): target =
   * module URL, key = export name, args = [method name, ...arguments].
   */
  CALL_MEMBER: 16,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export const Status = {
  /** value = the return value. */
  OK: 0,
  /** value = the thrown value, encoded by error-serialization. */
  THROW: 1,
  /** value = a LibraryFailure: the library itself failed the call (module, clone, closure). */
  FAILED: 2,
  /** value = the encoded error that escaped the call; the worker is going away. */
  UNCAUGHT: 3,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** Flags of a message: REFS says its value holds markers (remote/markers.ts) for the receiver to revive. */
export const REFS_FLAG = 1;

/**
 * caller → worker. `target` is a module URL, a function's source, or a handle (a number); `key` a name or
 * a handle, by op (see Op). `releases`: handles the caller's proxies dropped since the last request
 * (garbage-collected), freed before the request runs.
 */
export type Request = [seq: number, op: Op, target: string | number, key: string | number, args: unknown[], flags?: number, releases?: number[]];
export type Response = [seq: number, status: Status, value?: unknown, flags?: number];

/**
 * worker → caller, on the events port (a MessagePort the caller drains while it waits, and listens to
 * between calls). Calls of the caller's functions (callbacks) go this way, and so do responses that find
 * the response area still holding one the caller has not read (it was busy in a callback).
 */
export type Event =
  | [kind: 'call', callId: number, callbackId: number, args: unknown[], flags: number]
  | [kind: 'response', response: Response]
  /** A callback the worker no longer holds (garbage-collected there), and how many times it had arrived. */
  | [kind: 'drop', callbackId: number, arrivals: number];

/** A failure the worker reports on the library's behalf; the caller turns it into a SyncBridgeError. */
export interface LibraryFailure {
  code: string;
  message: string;
  cause?: unknown;
}

export interface Layout {
  requestBytes: number;
  responseBytes: number;
  outputBytes: number;
}

export interface SharedViews {
  words: Int32Array;
  request: Buffer;
  response: Buffer;
  output: Buffer;
}

export function allocateShared(layout: Layout): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + layout.requestBytes + layout.responseBytes + layout.outputBytes);
}

export function viewsOf(buffer: SharedArrayBuffer, layout: Layout): SharedViews {
  let offset = HEADER_BYTES;
  // Buffers (Uint8Arrays with UTF-8 helpers) over the shared memory, made once per worker.
  const take = (size: number) => {
    const view = Buffer.from(buffer, offset, size);
    offset += size;
    return view;
  };
  return {
    words: new Int32Array(buffer, 0, HEADER_WORDS),
    request: take(layout.requestBytes),
    response: take(layout.responseBytes),
    output: take(layout.outputBytes),
  };
}

/** Above this length a string crosses faster v8-serialized than as JSON (see jsonPays). */
const LONG_STRING = 2048;
/** From this many bytes of strings or binary data at the top of a message, it is posted (writeMessage). */
const POST_ABOVE = 16 * 1024;

/**
 * A lower bound of a value's encoded size, known without a walk: long strings and byte buffers. Call it
 * after classify() has accepted the value (no Proxy, whose traps `instanceof` would run).
 */
export function sizeHintOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof ArrayBuffer) return value.byteLength;
  // Only a typed array that postMessage copies exactly as v8 serialization would: not a Buffer (it would
  // arrive as a plain Uint8Array), not a view of part of a larger buffer (the whole buffer would go), not over
  // shared memory (it would arrive shared, not copied). Those take v8 serialization, which copies the view.
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !Buffer.isBuffer(value)) {
    const { buffer, byteOffset, byteLength } = value;
    if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return byteLength;
  }
  return 0;
}

/**
 * Whether JSON is the faster encoding for a value classify() found JSON-safe. Not for a long string at the
 * top: JSON.stringify escapes it character by character (230 µs for 60 K characters with some quotes,
 * JSON.parse 44 µs more), where v8 serialization copies it (63 + 33 µs). Nested long strings still take
 * JSON (finding them would cost another walk).
 */
export function jsonPays(value: unknown): boolean {
  return typeof value !== 'string' || value.length <= LONG_STRING;
}

/**
 * Encodes `message` into `area` if it fits; otherwise transfers the bytes through `port`, and returns
 * PAYLOAD_ON_PORT. `json` says the message is plain data that JSON carries exactly (see clone-check.ts):
 * several times cheaper than v8 serialization for objects. Throws what v8.serialize throws, untouched.
 */
export function writeMessage(message: unknown, json: boolean, area: Buffer, port: MessagePort, transferList?: TransferListItem[], sizeHint = 0): number {
  if (transferList || (!json && sizeHint >= POST_ABOVE)) {
    // Large: postMessage's native structured clone is cheaper than v8.serialize (JavaScript-driven, and
    // its bytes copied again into the area or transferred). 64 KiB string echo: 605 µs with JSON, 87 µs
    // v8-serialized, see docs/benchmarks.md for posted.
    // Moving buffers needs postMessage's own structured clone: serialized bytes would be a copy.
    port.postMessage(message, transferList ?? []);
    return MESSAGE_ON_PORT;
  }
  if (json) {
    const text = JSON.stringify(message);
    // At most 3 bytes per UTF-16 unit: if that fits, encode in place without measuring first.
    if (text.length * 3 <= area.length || Buffer.byteLength(text) <= area.length) return area.write(text);
    return transfer(Buffer.from(text), port);
  }
  const bytes = v8.serialize(message);
  if (bytes.length <= area.length) {
    area.set(bytes);
    return bytes.length;
  }
  return transfer(bytes, port);
}

function transfer(bytes: Buffer, port: MessagePort): number {
  // A Buffer that owns its whole ArrayBuffer can be transferred without a copy; a pooled one cannot.
  const owned = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? bytes : Uint8Array.from(bytes);
  try {
    port.postMessage(owned, [owned.buffer as ArrayBuffer]);
  } catch (error) {
    if (owned === bytes) {
      // Bun: the Buffer its node:v8 serialize returns owns memory that cannot be detached, so it cannot be
      // transferred (DataCloneError). A copy in an ordinary ArrayBuffer can.
      const copy = Uint8Array.from(bytes);
      port.postMessage(copy, [copy.buffer]);
    } else {
      throw error;
    }
  }
  return PAYLOAD_ON_PORT;
}

/**
 * Every message is an array, so its JSON text starts with '['. Tell the two encodings apart by that, not by
 * the serializer's first byte: V8 starts with 0xff, but Bun's node:v8 (JavaScriptCore's format) starts with
 * a little-endian version number, and any serializer may change its header.
 */
const JSON_ARRAY_START = 0x5b;

function decode(bytes: Uint8Array, length: number): unknown {
  if (bytes[0] === JSON_ARRAY_START) {
    const text = Buffer.isBuffer(bytes) ? bytes.toString('utf8', 0, length) : Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('utf8');
    return JSON.parse(text);
  }
  bytes = bytes.subarray(0, length);
  // Copy shared memory out first: v8.deserialize returns typed arrays as views into the buffer it reads,
  // and the shared area is overwritten by the next message.
  return v8.deserialize(bytes.buffer instanceof SharedArrayBuffer ? Buffer.from(bytes) : bytes);
}

export function readMessage(length: number, area: Buffer, port: MessagePort): unknown {
  if (length >= 0) return decode(area, length);
  // The sender posts before it publishes the length, so the message is already queued.
  const received = receiveMessageOnPort(port);
  if (!received) throw new Error('syncbridge: protocol error, payload expected on the port is missing');
  if (length === MESSAGE_ON_PORT) return received.message;
  const bytes = received.message as Uint8Array;
  return decode(bytes, bytes.length);
}

/**
 * Captured output travels as records in the output area: [fd: u8][length: u32 LE][bytes].
 * The worker appends (and waits for the caller to drain when full); the caller drains in order.
 */
export const OUTPUT_RECORD_HEADER = 5;
