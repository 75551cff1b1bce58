/**
 * The worker process's end of the socket (the process strategy): a child process of the caller's runtime,
 * started by process/process-link.ts with a socket as its file descriptor 3. Requests arrive as frames
 * (wire/frames.ts) on this process's event loop, which is free: no spinning, no parking. Answers, events and
 * captured output go back as frames, written synchronously so that they leave in order and survive a crash
 * right after.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import net from 'node:net';
import { detectRuntime } from '../env/runtime.js';
import { ErrorCodes } from '../errors.js';
import { decodeMessage, FrameKind, FrameReader, frameOf, messageFrame, writeAllSync } from '../wire/frames.js';
import { letGoWhenIdle, PROBE_EVERY_STEPS, SpareBuffer } from '../wire/spare-buffer.js';
import { patchOutput } from '../wire/output.js';
import { detach } from '../wire/transfer.js';
import type { Request, Response } from '../wire/protocol.js';
import { Status } from '../wire/protocol.js';
import { handle, refuse, setUpDispatch } from './dispatch.js';
import { preloadsRanAtStart } from './preloads.js';

const CHANNEL_FD = 3;

/** Built-in module names that are real globals in any script, not the -e ones. */
const REAL_GLOBALS = new Set(['process', 'console', 'crypto']);

/**
 * `node -e` (our bootstrap) also defines every built-in module as a global (`fs`, `path`, `module`, …: lazy
 * getters with a setter named setReal, which become the module itself once read): a user's module here would
 * see names it does not see in the caller.
 */
function hideEvalBuiltins(): void {
  const g = globalThis as Record<string, unknown>;
  for (const name of builtinModules) {
    if (REAL_GLOBALS.has(name) || name.includes('/')) continue;
    const descriptor = Object.getOwnPropertyDescriptor(g, name);
    if (!descriptor?.configurable) continue;
    if (descriptor.set?.name === 'setReal' || ('value' in descriptor && descriptor.value === require(name))) delete g[name];
  }
}

function socketOrNothing(): net.Socket | undefined {
  try {
    return new net.Socket({ fd: CHANNEL_FD, readable: true, writable: false });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') return undefined;
    throw error;
  }
}

export function serveProcess(): void {
  hideEvalBuiltins();
  // Once more after our bootstrap returns: Node's -e then puts back the `module` it found (the built-in one).
  queueMicrotask(hideEvalBuiltins);
  // Node reads the socket through its event loop (net.Socket). Bun's net.Socket never reads an inherited
  // descriptor, and Node 26's permission model counts one as network access (--allow-net): there fs.read.
  const socket = detectRuntime().name === 'bun' ? undefined : socketOrNothing();
  // Every frame is written synchronously, socket or not: a socket.write that finds the buffer full queues the
  // rest in libuv, where a process.exit(), an abort or a crash right after loses it (output, an answer), and
  // the EXIT frame, written synchronously at exit, would land in the middle of a half-sent frame.
  const write = (buffers: Uint8Array[]): void => {
    try {
      writeAllSync(CHANNEL_FD, buffers);
    } catch {
      // The caller is gone (EPIPE): nobody reads this any more, and the socket's end will stop us.
    }
  };
  // Everything written to stdout/stderr goes to the caller as frames, between calls too: the caller writes it
  // through its own process.stdout, where a test runner that captures output sees it.
  patchOutput((fd, bytes) => write(frameOf(fd === 2 ? FrameKind.STDERR : FrameKind.STDOUT, bytes)));
  // Node ran the caller's --require and --import preloads itself: this is a process started with its flags.
  preloadsRanAtStart();

  setUpDispatch({
    respond: (message: Response, json, transferList) => {
      let frame: Uint8Array[];
      try {
        frame = messageFrame(message, json);
      } catch (error) {
        frame = messageFrame(
          [message[0], Status.FAILED, { code: ErrorCodes.CLONE, message: `The result could not be sent to the calling thread: ${(error as Error).message}` }],
          false,
        );
      }
      write(frame);
      detach(transferList);
    },
    post: (event) => write(messageFrame(event, false)),
    inFlight: (count) => {
      if (count === 0) letBigBuffersGoLater();
      // The last answer is out: stay awake a moment for the next request (below).
      if (count === 0 && spinMicros > 0 && !spinQueued) {
        spinQueued = true;
        setImmediate(spinForNext);
      }
    },
    // A callback was called: its answer comes as soon as the caller has run it; a spin catches it sooner
    // than the event loop's wake-up from epoll (tens of µs).
    callbacksBusy: (busy) => {
      if (busy && spinMicros > 0 && !spinQueued) {
        spinQueued = true;
        setImmediate(spinForNext);
      }
    },
  });

  process.on('exit', (code) => {
    const payload = Buffer.alloc(4);
    payload.writeInt32LE(code ?? 0, 0);
    // The event loop is over: only a synchronous write can still leave.
    write(frameOf(FrameKind.EXIT, payload));
  });

  const reader = new FrameReader();
  /** The buffer for the next request's big binary part, made ready in the spin after an answer. */
  const spare = new SpareBuffer();
  /** Big payloads were in play: their buffers are let go within SPARE_IDLE_MS (made again if they go on). */
  const letBigBuffersGoLater = letGoWhenIdle(
    () => spare.held || spare.wanted || reader.keeps,
    () => {
      spare.drop();
      reader.dropKept();
    },
  );
  /**
   * After an answer, read the socket in a short spin (the caller's spin budget, which it sets in our
   * environment): a process woken from epoll takes tens of µs, a spinning one answers the next request of
   * back-to-back calls at once. From setImmediate, so that a request found here is served on a fresh stack.
   */
  // Only on the socket's non-blocking descriptor: the fs.read path's is blocking, and its reads are in flight.
  const spinMicros = socket ? Number(process.env.SYNCBRIDGE_SPIN_MICROS) || 0 : 0;
  const spinBuffer = Buffer.allocUnsafe(64 * 1024);
  let spinQueued = false;
  const spinForNext = () => {
    spinQueued = false;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // an empty read throws EAGAIN: without a stack, cheaply
    /** One non-blocking read: true once there is nothing more to spin for (bytes handled, or the socket gone). */
    const readOnce = (): boolean => {
      let count: number;
      try {
        count = fs.readSync(CHANNEL_FD, spinBuffer, 0, spinBuffer.length, null);
      } catch (error) {
        return (error as { code?: unknown }).code !== 'EAGAIN';
      }
      if (count === 0) {
        callerGone();
        return true;
      }
      Error.stackTraceLimit = limit;
      onBytes(spinBuffer.subarray(0, count));
      return true;
    };
    try {
      // First, if the last requests had a big binary part of one size, the next one's memory (spare-buffer.ts);
      // then the spin proper.
      let done = false;
      spare.prepareWhile(() => !(done = readOnce()), PROBE_EVERY_STEPS);
      const until = performance.now() + spinMicros / 1000;
      while (!done && performance.now() < until) done = readOnce();
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  const onBytes = (chunk: Uint8Array) => {
    reader.push(chunk);
    for (let frame = reader.next(); frame; frame = reader.next()) {
      if (frame.kind !== FrameKind.JSON && frame.kind !== FrameKind.V8) continue;
      let request: Request;
      try {
        request = decodeMessage(frame.kind, frame.payload, spare) as Request;
        reader.release(frame);
      } catch (error) {
        reader.release(frame);
        // The seq is unknown here; the caller's own copy of the message was vetted, so this is rare.
        fs.writeSync(2, `syncbridge: a request could not be read in the worker process: ${String(error)}\n`);
        continue;
      }
      try {
        void handle(request);
      } catch (error) {
        refuse(request[0], { code: ErrorCodes.CLONE, message: `the request could not be served: ${String(error)}` });
      }
    }
  };
  // The caller ended (its end of the socket closed): so do we, at once, whatever our event loop still holds.
  const callerGone = () => process.exit(0);

  if (!socket) {
    // Bun's net.Socket on an inherited descriptor never reads, Node 26's may be forbidden; fs.read works (a
    // thread-pool read: fd 3 is blocking here).
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const readMore = () => {
      fs.read(CHANNEL_FD, buffer, 0, buffer.length, null, (error, count) => {
        if (error || count === 0) return callerGone();
        onBytes(buffer.subarray(0, count));
        readMore();
      });
    };
    readMore();
  } else {
    socket.on('data', onBytes);
    socket.on('end', callerGone);
    socket.on('error', callerGone);
  }
  write(frameOf(FrameKind.READY, Buffer.alloc(0)));
}
