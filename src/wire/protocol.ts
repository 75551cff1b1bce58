/**
 * The wire between a calling thread and its worker: one place for the shared-memory layout and the
 * message shapes. Both sides import this file (the worker gets its own bundled copy).
 *
 * Memory: one SharedArrayBuffer per worker, and two growable ones (payload areas) where the runtime has them.
 *   [ header: Int32 words ][ request area ][ response area ][ output area ]
 *   request payloads:  growable, caller → worker (requests and callback answers)
 *   response payloads: growable, worker → caller
 * A call: the caller v8-serializes the request into the request area (or, when it does not fit, transfers
 * the bytes through the MessagePort and writes PAYLOAD_ON_PORT as the length), bumps REQUEST_SEQ and
 * notifies; the worker answers the same way in the response area, sets RESPONSE_SEQ to the request's seq
 * and bumps SIGNAL. Each side spins briefly before it parks (see defaults.ts): a parked thread takes tens
 * of microseconds to wake on these machines, a spinning one well under one.
 *
 * Binary payloads (ArrayBuffers and typed arrays, at the top of a message or in its args / value array) of
 * PAYLOAD_AREA_ABOVE bytes or more are copied once into the direction's payload area (grown to fit, never
 * shrunk) and copied out once into fresh buffers by the receiver; the length word says PAYLOAD_IN_AREA, and the
 * rest of the message is v8-serialized into the same payload area. Its layout (little-endian, see
 * writePayloads): [part count u32][meta length u32], then per part 16 bytes [kind u8][0][at u16][inner i32]
 * [length u32][0 u32], then the meta bytes, then each part's bytes at an 8-byte-aligned offset. A payload area is free again
 * when its direction's small area is (REQUEST_ACK, RESPONSE_ACK): the receiver copies everything out before it
 * acknowledges. Without growable SharedArrayBuffers (or beyond layout.payloadMaxBytes), the MessagePort path
 * stands. Moved buffers (transfer()) always go through the port: only copies use shared memory.
 *
 * Both directions share these areas (docs/architecture.md): the request area also carries a callback's
 * answer (Op.REPLY), and each area is acknowledged (REQUEST_ACK, RESPONSE_ACK) before it is written again.
 * Calls of the caller's functions, and responses that find the response area still occupied, travel as
 * Events on a MessagePort of their own (EVENTS_POSTED counts them). The caller only ever waits on SIGNAL,
 * so every reason to wake it fits in.
 */
import { types } from 'node:util';
import v8 from 'node:v8';
import { receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import { deserialize } from './deserialize.js';
import { SpareBuffer } from './spare-buffer.js';
import { TYPED_ARRAY_CLASSES } from './typed-arrays.js';

/**
 * Indices of the Int32 control words at the start of the shared buffer: the words the caller writes, then
 * 128 bytes on those the worker writes, then 128 bytes before the areas. Both sides spin on these words; on
 * one cache line, every store either side made (an acknowledgement, a length) took the line away from the
 * other's spin and back again. 128 bytes apart they are on different 64-byte lines whatever the buffer's
 * alignment (JavaScript cannot choose it).
 */
export const Word = {
  // The caller's words.
  /** Bumped by the caller when a request is ready; the worker waits on it. */
  REQUEST_SEQ: 0,
  REQUEST_LENGTH: 1,
  /**
   * The request's head (op, target, key) by number (RequestHeads): 0, the request area holds the whole
   * message; -n, the whole message, whose head the worker keeps as head n; n, only the values, as JSON
   * (length 0: no values), of a request with head n.
   */
  REQUEST_HEAD: 2,
  /**
   * 1 while that side is parked (or about to park). The other side calls Atomics.notify only then: a
   * notify is a lock and often a syscall, and a spinning side does not need one. Each side publishes
   * its flag before its last check, so one of the two always sees the other (sequential consistency).
   */
  CALLER_PARKED: 3,
  /** The seq of the last response the caller has read out of the response area: the area is free again. */
  RESPONSE_ACK: 4,
  /**
   * 1 while the caller waits for REQUEST_ACK (its next message must not overwrite one the worker has not
   * read): the worker then notifies REQUEST_ACK when it reads a request, instead of leaving the caller to
   * find out at its next poll.
   */
  CALLER_AWAITS_ACK: 5,
  // The worker's words (128 bytes on).
  /** Bumped by the worker whenever the caller should look again (response, output to drain, exit). */
  SIGNAL: 32,
  /** The seq of the request whose response is in the response area. */
  RESPONSE_SEQ: 33,
  RESPONSE_LENGTH: 34,
  /** Bytes of captured stdout/stderr records waiting in the output area; the caller drains and zeroes it. */
  OUTPUT_LENGTH: 35,
  WORKER_STATE: 36,
  EXIT_CODE: 37,
  /** How many of the worker's waiters are parked (its serve loop, and its pump while callbacks run). */
  WORKER_PARKED: 38,
  /** The seq of the last request the worker has read out of the request area: the area is free again. */
  REQUEST_ACK: 39,
  /** Bumped by the worker for each event it posts on the events port (callback calls, late responses). */
  EVENTS_POSTED: 40,
  /** Set by the watchdog when the worker's thread has ended, however it ended (see watchdog.ts). */
  WORKER_GONE: 41,
} as const;
export const HEADER_WORDS = 64;
export const HEADER_BYTES = HEADER_WORDS * 4;

/** Written as a length when the payload did not fit its area and travels through the MessagePort instead. */
export const PAYLOAD_ON_PORT = -1;
/** Written as a length when the message itself was posted, structured-cloned, with a transfer list. */
export const MESSAGE_ON_PORT = -2;
/** Written as a length when the message is in the direction's payload area (binary parts copied raw). */
export const PAYLOAD_IN_AREA = -3;
/** Written as a response's length for [seq, Status.OK], "returned nothing": no bytes at all. */
export const OK_UNDEFINED = -4;

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
  /** The most each growable payload area may grow to (reserved address space, committed only as used). */
  payloadMaxBytes: number;
}

/** The two growable payload areas, one per direction; absent where the runtime has no growable SharedArrayBuffer. */
export interface PayloadAreas {
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
}

export interface SharedViews {
  words: Int32Array;
  request: Buffer;
  response: Buffer;
  output: Buffer;
  /** The payload area beside each small area, if any (see PayloadAreas). */
  requestPayloads: SharedArrayBuffer | undefined;
  responsePayloads: SharedArrayBuffer | undefined;
}

export function allocateShared(layout: Layout): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + layout.requestBytes + layout.responseBytes + layout.outputBytes);
}

/** Growable payload areas, or undefined where the runtime cannot grow a SharedArrayBuffer (then the port carries them). */
export function allocatePayloadAreas(layout: Layout): PayloadAreas | undefined {
  try {
    const make = () => new SharedArrayBuffer(0, { maxByteLength: layout.payloadMaxBytes });
    const request = make();
    if (!request.growable || typeof request.grow !== 'function') return undefined;
    return { request, response: make() };
  } catch {
    return undefined;
  }
}

export function viewsOf(buffer: SharedArrayBuffer, layout: Layout, payloads?: PayloadAreas): SharedViews {
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
    requestPayloads: payloads?.request,
    responsePayloads: payloads?.response,
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
 * several times cheaper than v8 serialization for objects. Big binary parts go into `payloads`, the growable
 * area of this direction, when there is one (PAYLOAD_IN_AREA). Throws what v8.serialize throws, untouched.
 */
export function writeMessage(
  message: unknown[],
  json: boolean,
  area: Buffer,
  port: MessagePort,
  transferList?: TransferListItem[],
  sizeHint = 0,
  payloads?: SharedArrayBuffer,
): number {
  if (!transferList && !json && payloads && writePayloads(message, payloads)) return PAYLOAD_IN_AREA;
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
    return writeText(text, area) ?? transfer(Buffer.from(text), port);
  }
  const bytes = v8.serialize(message);
  if (bytes.length <= area.length) {
    area.set(bytes);
    return bytes.length;
  }
  return transfer(bytes, port);
}

/** Writes JSON text into the area if it fits: its length in bytes, else undefined. */
function writeText(text: string, area: Buffer): number | undefined {
  // At most 3 bytes per UTF-16 unit: if that fits, encode in place without measuring first.
  if (text.length * 3 <= area.length || Buffer.byteLength(text) <= area.length) return area.write(text);
  return undefined;
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
  return deserialize(bytes);
}

/** `spare`: this side's buffer for big parts (spare-buffer.ts), told of every message read. */
export function readMessage(length: number, area: Buffer, port: MessagePort, payloads?: SharedArrayBuffer, spare?: SpareBuffer): unknown {
  if (length === PAYLOAD_IN_AREA) {
    if (!payloads) throw new Error('syncbridge: protocol error, a message in a payload area this side does not have');
    return readPayloads(payloads, spare);
  }
  spare?.noteReceived(0);
  if (length >= 0) return decode(area, length);
  // The sender posts before it publishes the length, so the message is already queued.
  const received = receiveMessageOnPort(port);
  if (!received) throw new Error('syncbridge: protocol error, payload expected on the port is missing');
  if (length === MESSAGE_ON_PORT) return received.message;
  const bytes = received.message as Uint8Array;
  return decode(bytes, bytes.length);
}

/** A binary part is copied raw into the payload area from this size, once the message's parts reach PAYLOAD_AREA_ABOVE. */
const PART_MIN = 4096;
/** From this many bytes of binary parts, a message goes into its payload area (below: v8.serialize into the small area). */
const PAYLOAD_AREA_ABOVE = 16 * 1024;
const PART_HEADER = 16;
/** How many elements of an array in the message are looked at for parts. */
const SCAN_ELEMENTS = 256;
const AREA_HEADER = 8;
/** Grow in steps of this (a payload area never shrinks: it is the worker's for its lifetime). */
const GROW_STEP = 64 * 1024;

/**
 * The kinds of binary part, by prototype: exactly these classes (a subclass keeps v8 serialization), each
 * rebuilt as the same class over a fresh ArrayBuffer. Index 0 is ArrayBuffer itself.
 */
type ViewClass = new (buffer: ArrayBuffer) => ArrayBufferView;
const VIEW_CLASSES: (ViewClass | undefined)[] = [undefined, ...TYPED_ARRAY_CLASSES, DataView, Buffer as unknown as ViewClass];
const BUFFER_KIND = VIEW_CLASSES.length - 1;
const KIND_OF_PROTOTYPE = new Map<object, number>(VIEW_CLASSES.map((Class, kind) => [Class ? Class.prototype : ArrayBuffer.prototype, kind]));

interface Part {
  at: number;
  inner: number;
  kind: number;
  bytes: Uint8Array;
}

/** The part a value can be, or undefined: a non-resizable ArrayBuffer, or a view of an unshared one, of PART_MIN bytes or more. */
function partOf(value: unknown, at: number, inner: number): Part | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (types.isArrayBuffer(value)) {
    if (value.byteLength < PART_MIN || (value as { resizable?: boolean }).resizable === true) return undefined;
    if (Object.getPrototypeOf(value) !== ArrayBuffer.prototype) return undefined;
    return { at, inner, kind: 0, bytes: new Uint8Array(value) };
  }
  if (!ArrayBuffer.isView(value) || value.byteLength < PART_MIN) return undefined;
  const kind = KIND_OF_PROTOTYPE.get(Object.getPrototypeOf(value));
  if (kind === undefined || kind === 0 || !types.isArrayBuffer(value.buffer)) return undefined;
  return { at, inner, kind, bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
}

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Writes `message` into a payload area if its binary parts (the message's own elements, and those of an array
 * element: a request's args, a response's value) reach PAYLOAD_AREA_ABOVE; false (nothing written) otherwise.
 */
function writePayloads(message: unknown[], area: SharedArrayBuffer): boolean {
  let parts: Part[] | undefined;
  let total = 0;
  for (let at = 0; at < message.length; at++) {
    const element = message[at];
    if (Array.isArray(element) && !types.isProxy(element)) {
      // Args and array values of a few elements: a long array's binary elements stay v8-serialized.
      for (let inner = 0; inner < element.length && inner < SCAN_ELEMENTS; inner++) {
        const part = partOf(element[inner], at, inner);
        if (part) {
          (parts ??= []).push(part);
          total += part.bytes.length;
        }
      }
      continue;
    }
    const part = partOf(element, at, -1);
    if (part) {
      (parts ??= []).push(part);
      total += part.bytes.length;
    }
  }
  if (!parts || total < PAYLOAD_AREA_ABOVE) return false;
  // The same buffer twice (one array passed twice, a view and its buffer) must arrive as one object, as the
  // structured clone keeps it: leave such messages to it.
  if (parts.length > 1) {
    const buffers = new Set<ArrayBufferLike>();
    for (const part of parts) buffers.add(part.bytes.buffer);
    if (buffers.size < parts.length) return false;
  }
  // The rest of the message, with a null in each part's place.
  const meta = message.slice();
  for (const { at, inner } of parts) {
    if (inner < 0) meta[at] = null;
    else {
      if (meta[at] === message[at]) meta[at] = (message[at] as unknown[]).slice();
      (meta[at] as unknown[])[inner] = null;
    }
  }
  const metaBytes = v8.serialize(meta);
  let offset = align8(AREA_HEADER + PART_HEADER * parts.length + metaBytes.length);
  const dataStart = offset;
  for (const part of parts) offset += align8(part.bytes.length);
  if (offset > area.byteLength) {
    if (offset > area.maxByteLength) return false;
    try {
      area.grow(Math.min(area.maxByteLength, Math.ceil(offset / GROW_STEP) * GROW_STEP));
    } catch {
      return false; // Out of memory for the area: the port still works.
    }
  }
  const bytes = new Uint8Array(area);
  const view = new DataView(area);
  view.setUint32(0, parts.length, true);
  view.setUint32(4, metaBytes.length, true);
  offset = dataStart;
  for (let i = 0; i < parts.length; i++) {
    const { at, inner, kind, bytes: source } = parts[i] as Part;
    const header = AREA_HEADER + PART_HEADER * i;
    view.setUint8(header, kind);
    view.setUint16(header + 2, at, true);
    view.setInt32(header + 4, inner, true);
    view.setUint32(header + 8, source.length, true);
    bytes.set(source, offset);
    offset += align8(source.length);
  }
  bytes.set(metaBytes, AREA_HEADER + PART_HEADER * parts.length);
  return true;
}

/** For a side that keeps no spare: take() always allocates. */
const noSpare = new SpareBuffer();

/** Rebuilds a message writePayloads wrote: every part copied out once into a buffer of its own. */
function readPayloads(area: SharedArrayBuffer, spare: SpareBuffer | undefined): unknown {
  const bytes = new Uint8Array(area);
  const view = new DataView(area);
  const count = view.getUint32(0, true);
  const metaLength = view.getUint32(4, true);
  const metaStart = AREA_HEADER + PART_HEADER * count;
  const message = decode(bytes.subarray(metaStart, metaStart + metaLength), metaLength) as unknown[];
  let offset = align8(metaStart + metaLength);
  let largest = 0;
  for (let i = 0; i < count; i++) {
    const header = AREA_HEADER + PART_HEADER * i;
    const kind = view.getUint8(header);
    const at = view.getUint16(header + 2, true);
    const inner = view.getInt32(header + 4, true);
    const length = view.getUint32(header + 8, true);
    // Fresh memory the receiver owns; a spare made ready while this side waited, if one is that size.
    const copy = (spare ?? noSpare).take(length);
    if (length > largest) largest = length;
    copy.set(bytes.subarray(offset, offset + length));
    offset += align8(length);
    const buffer = copy.buffer as ArrayBuffer;
    const Class = VIEW_CLASSES[kind];
    const value = kind === BUFFER_KIND ? copy : Class ? new Class(buffer) : buffer;
    if (inner < 0) message[at] = value;
    else (message[at] as unknown[])[inner] = value;
  }
  spare?.noteReceived(largest);
  return message;
}

/**
 * Captured output travels as records in the output area: [fd: u8][length: u32 LE][bytes].
 * The worker appends (and waits for the caller to drain when full); the caller drains in order.
 */
export const OUTPUT_RECORD_HEADER = 5;

/** Heads kept per worker at most: beyond them requests go whole, as before. */
const MAX_HEADS = 4096;

/**
 * The caller's numbering of request heads (Word.REQUEST_HEAD). A syncified function's calls repeat the same
 * op, module URL and export name; JSON-encoded, those were most of a no-op call's bytes and of its time on
 * both sides (write and read ~0.9 µs each). The first request of a head goes whole and tells the worker to keep
 * its head; later ones carry their values alone. Not callback answers (their head is a different call each time),
 * nor requests with flags or releases.
 */
export class RequestHeads {
  /**
   * target → key → op → number. Maps of the values themselves, not of a key string built per call: a module
   * URL is the same string every call, and its hash is computed once. (A handle 7 and a module "7" differ.)
   */
  readonly #ids = new Map<string | number, Map<string | number, number[]>>();
  #count = 0;

  /** Whether this request may go by its head: not a callback answer, no flags, no releases. */
  static eligible(request: Request): boolean {
    return request.length === 5 && request[1] !== Op.REPLY;
  }

  /** The head's number, if the worker keeps it already. */
  idOf(request: Request): number | undefined {
    return this.#ids.get(request[2])?.get(request[3])?.[request[1]];
  }

  /** Numbers a head sent whole (call it once the message is written): the worker keeps it as that number. 0 if full. */
  add(request: Request): number {
    if (this.#count >= MAX_HEADS) return 0;
    let byKey = this.#ids.get(request[2]);
    if (!byKey) this.#ids.set(request[2], (byKey = new Map()));
    let byOp = byKey.get(request[3]);
    if (!byOp) byKey.set(request[3], (byOp = []));
    byOp[request[1]] = ++this.#count;
    return this.#count;
  }
}

/** Writes a request's values alone as JSON (length 0 for none); undefined if they do not fit the area. */
export function writeValues(values: unknown[], area: Buffer): number | undefined {
  return values.length === 0 ? 0 : writeText(JSON.stringify(values), area);
}

/** The worker's side of RequestHeads: the heads it was told to keep, rebuilt into whole requests. */
export class KeptHeads {
  readonly #heads: [op: Op, target: string | number, key: string | number][] = [];

  keep(id: number, request: Request): void {
    this.#heads[id] = [request[1], request[2], request[3]];
  }

  /** The request of head `id` whose values are in `area` (writeValues). */
  rebuild(id: number, seq: number, length: number, area: Buffer): Request {
    const head = this.#heads[id];
    if (!head) throw new Error(`syncbridge: protocol error, request head ${id} was never sent`);
    return [seq, head[0], head[1], head[2], length === 0 ? [] : (decode(area, length) as unknown[])];
  }
}
