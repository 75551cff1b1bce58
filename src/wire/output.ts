/**
 * Inside the worker: while a call runs, everything written to process.stdout/stderr goes into the shared
 * output area as records, in order, instead of through Node's asynchronous worker-stdio forwarding (which
 * needs the caller's event loop, and the caller is blocked). The caller drains the area to its own
 * streams before the call returns, so output is never lost or reordered, even if it exits right after.
 * Between calls, writes take the normal path.
 */
import { Console } from 'node:console';
import { detectRuntime } from '../env/runtime.js';
import { OUTPUT_RECORD_HEADER, Word, type SharedViews } from './protocol.js';

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

/** A full area waits for the caller to drain it; wake the caller at most this often for live output. */
const LIVE_OUTPUT_INTERVAL_MS = 20;
const DRAIN_WAIT_SLICE_MS = 1000;

export interface OutputCapture {
  /** True while a call is in flight. */
  active: boolean;
}

export function captureOutput(views: SharedViews, signalCaller: () => void): OutputCapture {
  const { words, output: area } = views;
  const header = new DataView(area.buffer, area.byteOffset, area.byteLength);
  const capture: OutputCapture = { active: false };
  let lastSignal = 0;

  const append = (fd: number, bytes: Uint8Array) => {
    let offset = 0;
    do {
      const used = Atomics.load(words, Word.OUTPUT_LENGTH);
      const room = area.length - used - OUTPUT_RECORD_HEADER;
      if (room <= 0) {
        // Full: ask the caller to drain, and wait until it has.
        signalCaller();
        Atomics.wait(words, Word.OUTPUT_LENGTH, used, DRAIN_WAIT_SLICE_MS);
        continue;
      }
      const size = Math.min(room, bytes.length - offset);
      header.setUint8(used, fd);
      header.setUint32(used + 1, size, true);
      area.set(bytes.subarray(offset, offset + size), used + OUTPUT_RECORD_HEADER);
      // Publish only if the caller did not drain meanwhile; otherwise write again at the new start.
      if (Atomics.compareExchange(words, Word.OUTPUT_LENGTH, used, used + OUTPUT_RECORD_HEADER + size) !== used) continue;
      offset += size;
    } while (offset < bytes.length);
    const now = performance.now();
    if (now - lastSignal > LIVE_OUTPUT_INTERVAL_MS) {
      lastSignal = now;
      signalCaller();
    }
  };

  patchOutput(append, () => capture.active);
  return capture;
}

/**
 * Inside the worker: routes process.stdout/stderr writes to `write` while `active()` says so (always, by
 * default), and Deno's console through those streams.
 */
export function patchOutput(write: (fd: number, bytes: Uint8Array) => void, active: () => boolean = () => true): void {
  const patch = (stream: NodeJS.WriteStream, fd: number) => {
    const original = stream.write.bind(stream) as Write;
    (stream as unknown as { write: Write }).write = (chunk, encoding, callback) => {
      if (!active()) return original(chunk, encoding, callback);
      if (typeof encoding === 'function') {
        callback = encoding;
        encoding = undefined;
      }
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8')
          : chunk instanceof Uint8Array
            ? chunk
            : Buffer.from(String(chunk));
      write(fd, bytes);
      if (typeof callback === 'function') process.nextTick(callback as () => void);
      return true;
    };
  };
  patch(process.stdout, 1);
  patch(process.stderr, 2);
  if (detectRuntime().name === 'deno') routeConsoleThroughStreams();
}

type Sink = (fd: number, bytes: Uint8Array) => void;

const streamSink: Sink = (fd, bytes) => {
  (fd === 2 ? process.stderr : process.stdout).write(Buffer.from(bytes));
};

/**
 * Where the caller writes the worker's output: its process.stdout/stderr, except in a Deno Jupyter kernel,
 * where only Deno's own print (what console.log uses) reaches the notebook — process.stdout goes elsewhere.
 */
function chooseSink(): Sink {
  const deno = (globalThis as { Deno?: Record<PropertyKey, unknown> & { internal?: symbol } }).Deno;
  if (!deno) return streamSink;
  try {
    if (!deno.jupyter) return streamSink; // outside `deno jupyter`, the getter throws
  } catch {
    return streamSink;
  }
  const internals = deno.internal ? (deno[deno.internal] as { core?: { print?: unknown } } | undefined) : undefined;
  const print = internals?.core?.print;
  if (typeof print !== 'function') return streamSink;
  const decoders = [new TextDecoder(), new TextDecoder(), new TextDecoder()];
  return (fd, bytes) => {
    // A copy: the output area is shared memory, which TextDecoder may refuse.
    const text = decoders[fd === 2 ? 2 : 1]!.decode(new Uint8Array(bytes), { stream: true });
    if (text) (print as (text: string, isErr: boolean) => void)(text, fd === 2);
  };
}

let sink: Sink | undefined;

/** On the caller's side: writes bytes the worker printed (fd 1 or 2) where its output goes (a worker process's frames). */
export function writeWorkerOutput(fd: number, bytes: Uint8Array): void {
  sink ??= chooseSink();
  sink(fd, bytes);
}

/** Writes the library's own notices (e.g. a long wait) where the worker's output goes too. */
export function writeToCaller(fd: 1 | 2, text: string): void {
  sink ??= chooseSink();
  sink(fd, Buffer.from(text));
}

/**
 * Deno's console writes straight to the file descriptors, not through process.stdout/stderr: its lines
 * would skip the capture and overtake process.stdout.write() output still waiting in the area. Point the
 * console's methods (on the same object, for code that kept a reference) at a Node Console over the streams.
 */
function routeConsoleThroughStreams(): void {
  const streams = new Console({ stdout: process.stdout, stderr: process.stderr });
  const target = console as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(streams)) if (typeof value === 'function') target[key] = value;
}

/**
 * On the caller's side: writes every record waiting in the output area to this thread's stdout/stderr
 * (through process.stdout.write, so test runners that capture output see it) and frees the area.
 */
export function drainOutput(views: SharedViews): void {
  const { words, output: area } = views;
  const header = new DataView(area.buffer, area.byteOffset, area.byteLength);
  sink ??= chooseSink();
  let position = 0;
  for (;;) {
    const length = Atomics.load(words, Word.OUTPUT_LENGTH);
    while (position < length) {
      const fd = header.getUint8(position);
      const size = header.getUint32(position + 1, true);
      const start = position + OUTPUT_RECORD_HEADER;
      sink(fd, area.subarray(start, start + size));
      position = start + size;
    }
    if (length === 0) return;
    // The worker only appends until we zero the length; if it appended meanwhile, write that too.
    if (Atomics.compareExchange(words, Word.OUTPUT_LENGTH, length, 0) === length) {
      Atomics.notify(words, Word.OUTPUT_LENGTH);
      return;
    }
  }
}
