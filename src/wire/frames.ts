/**
 * The byte stream between a caller and a worker process (the process strategy): length-prefixed frames,
 * one packet shape for both directions, read the same way on both sides.
 *
 *   [ length: u32 LE, of kind + payload ][ kind: u8 ][ payload ]
 *
 * A message frame carries a Request, Response or Event tuple (wire/protocol.ts), as JSON text or v8
 * serialization. Output frames carry bytes the worker wrote to its stdout/stderr; READY says the worker's
 * own code runs; EXIT carries the code a process.exit() gave, written synchronously as the process ends.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { deserialize } from './deserialize.js';
import type { SpareBuffer } from './spare-buffer.js';

export const FrameKind = {
  JSON: 1,
  V8: 2,
  STDOUT: 3,
  STDERR: 4,
  READY: 5,
  EXIT: 6,
  /** caller → process, first: the worker's own code, which a tiny -e bootstrap reads and runs. */
  SOURCE: 7,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER = 5;

function header(kind: FrameKind, payloadLength: number): Buffer {
  const head = Buffer.allocUnsafe(FRAME_HEADER);
  head.writeUInt32LE(payloadLength + 1, 0);
  head[4] = kind;
  return head;
}

/** A frame as buffers to write (header, payload): written with one writev, never concatenated. */
export function frameOf(kind: FrameKind, payload: Uint8Array): Uint8Array[] {
  return [header(kind, payload.length), payload];
}

/** Up to this size a frame is one buffer (one write(2), not a writev of two); larger ones are not copied again. */
const JOIN_BELOW = 64 * 1024;

/** A message as a frame: JSON text when the sender vetted it as plain data, v8 serialization otherwise. */
export function messageFrame(message: unknown, json: boolean): Uint8Array[] {
  if (json) {
    const text = JSON.stringify(message);
    const size = Buffer.byteLength(text);
    const frame = Buffer.allocUnsafe(FRAME_HEADER + size);
    frame.writeUInt32LE(size + 1, 0);
    frame[4] = FrameKind.JSON;
    frame.write(text, FRAME_HEADER);
    return [frame];
  }
  const bytes = v8.serialize(message);
  if (bytes.length >= JOIN_BELOW) return frameOf(FrameKind.V8, bytes);
  return [Buffer.concat([header(FrameKind.V8, bytes.length), bytes])];
}

/** `spare`: this side's buffer for big binary parts (spare-buffer.ts), told of every message decoded. */
export function decodeMessage(kind: FrameKind, payload: Buffer, spare?: SpareBuffer): unknown {
  if (kind === FrameKind.V8) return deserialize(payload, spare);
  spare?.noteReceived(0);
  return JSON.parse(payload.toString('utf8'));
}

export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

/** A message frame's body from this size up to KEEP_BODY_MAX is read into the reader's kept buffer (FrameReader.release). */
const KEEP_BODY_ABOVE = 64 * 1024;
const KEEP_BODY_MAX = 64 * 1024 * 1024;

/**
 * Bytes in, whole frames out, each payload copied once into a buffer of its own; except a big message's
 * (JSON or v8), which is read into one buffer the reader keeps and lends out until release(): decoding
 * copies everything out of it (deserialize.ts gives views buffers of their own), and fresh memory costs a
 * page fault per 4 KiB page, the larger part of copying a megabyte here.
 */
export class FrameReader {
  readonly #head = Buffer.alloc(FRAME_HEADER);
  /** The kept buffer for big message bodies (as large as the largest lately), and whether it is lent out. */
  #kept: Buffer | undefined;
  #lent = false;
  #headFill = 0;
  #body: Buffer | undefined;
  #bodyFill = 0;
  #kind: FrameKind = FrameKind.JSON;
  readonly #ready: Frame[] = [];

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.#body) {
        const take = Math.min(FRAME_HEADER - this.#headFill, chunk.length - offset);
        this.#head.set(chunk.subarray(offset, offset + take), this.#headFill);
        this.#headFill += take;
        offset += take;
        if (this.#headFill < FRAME_HEADER) return;
        this.#kind = this.#head[4] as FrameKind;
        this.#body = this.#bodyFor(this.#kind, this.#head.readUInt32LE(0) - 1);
        this.#bodyFill = 0;
        this.#headFill = 0;
      }
      const take = Math.min(this.#body.length - this.#bodyFill, chunk.length - offset);
      this.#body.set(chunk.subarray(offset, offset + take), this.#bodyFill);
      this.#bodyFill += take;
      offset += take;
      if (this.#bodyFill === this.#body.length) this.#complete();
    }
    if (this.#body && this.#bodyFill === this.#body.length) this.#complete();
  }

  #bodyFor(kind: FrameKind, length: number): Buffer {
    const message = kind === FrameKind.JSON || kind === FrameKind.V8;
    if (!message || this.#lent || length < KEEP_BODY_ABOVE || length > KEEP_BODY_MAX) {
      // Big messages have stopped (or are too big to hold on to): the kept buffer goes.
      if (message && !this.#lent) this.#kept = undefined;
      return Buffer.allocUnsafe(length);
    }
    // Grown to fit; a much smaller message lets a big kept buffer go rather than hold it.
    if (!this.#kept || this.#kept.length < length || this.#kept.length > 4 * length) this.#kept = Buffer.allocUnsafeSlow(length);
    this.#lent = true;
    return this.#kept.subarray(0, length);
  }

  /** Whether a kept buffer is held (its memory). */
  get keeps(): boolean {
    return this.#kept !== undefined;
  }

  /** Lets the kept buffer go (calls have stopped for a while), unless it is lent out. */
  dropKept(): void {
    if (!this.#lent) this.#kept = undefined;
  }

  /** Gives back a message frame's body once it is decoded (nothing may refer to it afterwards). */
  release(frame: Frame): void {
    if (this.#kept !== undefined && frame.payload.buffer === this.#kept.buffer) this.#lent = false;
  }

  #complete(): void {
    this.#ready.push({ kind: this.#kind, payload: this.#body! });
    this.#body = undefined;
  }

  /**
   * Where the next bytes can be read straight into, when a large payload is being filled: saves copying a
   * big message through a small read buffer.
   */
  directTarget(minimum: number): { buffer: Buffer; offset: number; length: number } | undefined {
    const body = this.#body;
    if (!body || body.length - this.#bodyFill < minimum) return undefined;
    return { buffer: body, offset: this.#bodyFill, length: body.length - this.#bodyFill };
  }

  /** Counts bytes read into directTarget(). */
  filled(count: number): void {
    this.#bodyFill += count;
    if (this.#bodyFill === this.#body!.length) this.#complete();
  }

  /** Whether a whole frame of this kind is waiting to be taken. */
  holds(kind: FrameKind): boolean {
    return this.#ready.some((frame) => frame.kind === kind);
  }

  next(): Frame | undefined {
    return this.#ready.shift();
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes every byte of `buffers` to a non-blocking descriptor, synchronously. When the other side's buffer
 * is full, `stalled` runs (the caller reads what the other side sent meanwhile, so neither waits for the
 * other forever), then a short sleep. Throws what the write throws otherwise (EPIPE: the other side is gone).
 */
export function writeAllSync(fd: number, buffers: Uint8Array[], stalled: () => void = () => {}): void {
  const pending = buffers.filter((b) => b.length > 0);
  let stalls = 0;
  while (pending.length > 0) {
    let written: number;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // a full socket throws EAGAIN, often, while a large message drains: cheaply
    try {
      written = pending.length === 1 ? fs.writeSync(fd, pending[0]!) : fs.writevSync(fd, pending as NodeJS.ArrayBufferView[]);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EAGAIN') throw error;
      stalled();
      // The reader is usually draining right now: retry at once for a while (a sleep costs ~100 µs here, the
      // time the reader needs to empty a whole socket buffer), then sleep in short slices.
      if (++stalls > 100) Atomics.wait(pause, 0, 0, 0.05);
      continue;
    } finally {
      Error.stackTraceLimit = limit;
    }
    stalls = 0;
    while (written > 0 && pending.length > 0) {
      const first = pending[0]!;
      if (written >= first.length) {
        written -= first.length;
        pending.shift();
      } else {
        pending[0] = first.subarray(written);
        written = 0;
      }
    }
  }
}
