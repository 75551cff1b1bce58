/**
 * The process strategy's link: a child process of this runtime (the same binary), started on first use and
 * kept, with a socket as its file descriptor 3 carrying frames both ways (wire/frames.ts). The child's event
 * loop serves requests as they arrive; this thread blocks by reading its end of the socket synchronously.
 *
 * Why polling reads: libuv makes our end non-blocking, so an empty read throws EAGAIN at once rather than
 * waiting. A blocking read would need a FIFO opened by path (file-system permissions the permission model
 * may not grant) and could not return at a deadline. Measured on these machines (docs/benchmarks.md): an empty
 * probe costs ~3–8 µs, a round trip while probing ~16–21 µs. So the caller probes for a short spin, then
 * sleeps in slices that grow with the wait (at most 5% of it), so a long call costs nearly no CPU.
 *
 * Isolation: whatever ends the child (process.exit, process.abort(), a fatal signal, out of memory) ends the
 * socket; the caller sees its end and says how the child ended (an EXIT frame for process.exit, the kernel's
 * record of the zombie for a signal, on Linux).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Socket } from 'node:net';
import { defaults, envVars } from '../config/defaults.js';
import type { WorkerOptions } from '../config/options.js';
import { flagsForChildProcess } from '../env/node-flags.js';
import { detectRuntime, readEnv, runtimeLabel } from '../env/runtime.js';
import { diagnoseStartup } from '../env/startup-diagnosis.js';
import { ErrorCodes, libraryError } from '../errors.js';
import { ENDED, type Incoming, type Link, type Outgoing } from '../session/link.js';
import { defaultExecArgv } from '../thread/loaders.js';
import { decodeMessage, type Frame, FrameKind, FrameReader, frameOf, messageFrame, writeAllSync } from '../wire/frames.js';
import { writeWorkerOutput } from '../wire/output.js';
import { letGoWhenIdle, PROBE_EVERY_STEPS, SpareBuffer } from '../wire/spare-buffer.js';
import type { Request } from '../wire/protocol.js';
import { detach, isDetached } from '../wire/transfer.js';

/** The worker's code, bundled to a string at build time (scripts/build.mjs): the same code a thread runs. */
declare const __SYNCBRIDGE_WORKER_SOURCE__: string;

/**
 * Run by `node -e` in the child: reads the SOURCE frame from fd 3 (blocking there) and runs it. The worker's
 * code is too large for a command-line argument (Linux caps one at 128 KiB), and a file would have to be found.
 */
const BOOTSTRAP =
  '"use strict";{const fs=require("fs"),pause=new Int32Array(new SharedArrayBuffer(4));' +
  'const read=(b)=>{for(let o=0;o<b.length;){let n;try{n=fs.readSync(3,b,o,b.length-o,null)}catch(e){if(e.code==="EAGAIN"){Atomics.wait(pause,0,0,1);continue}throw e}' +
  'if(n===0)process.exit(0);o+=n}return b};const head=read(Buffer.alloc(5));eval(read(Buffer.alloc(head.readUInt32LE(0)-1)).toString())}';

/** Set in a worker process's environment: a sync call made there does not start a process of its own in turn. */
const IN_WORKER_PROCESS = 'SYNCBRIDGE_WORKER_PROCESS';

const READ_CHUNK = 64 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** The heap and stack limits a process takes as flags (resourceLimits, in the units worker_threads uses). */
function limitFlags(limits: WorkerOptions['resourceLimits']): string[] {
  const flags: string[] = [];
  if (limits?.maxOldGenerationSizeMb !== undefined) flags.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
  if (limits?.stackSizeMb !== undefined) flags.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
  return flags;
}

/** Why a child process cannot serve here with these options, or undefined (see strategy/choose.ts). */
export function processUnavailable(options: WorkerOptions): string | undefined {
  const runtime = detectRuntime();
  if (runtime.name === 'deno') {
    return `${runtimeLabel(runtime)}'s node:fs cannot read a child process's socket synchronously (EBADF), so this thread could not block on one`;
  }
  const permission = (process as { permission?: { has(scope: string): boolean } }).permission;
  if (permission && !permission.has('child')) return "Node's permission model forbids child processes here (no --allow-child-process)";
  if (readEnv(IN_WORKER_PROCESS) === '1') return 'this is a syncbridge worker process already: a process of its own would start another, and so on';
  const limits = Object.keys(options.resourceLimits ?? {}).filter((key) => key !== 'maxOldGenerationSizeMb' && key !== 'stackSizeMb');
  if (limits.length > 0)
    return `a process takes only maxOldGenerationSizeMb and stackSizeMb of "resourceLimits" (as --max-old-space-size, --stack-size), not ${limits.join(', ')}`;
  if (runtime.name === 'bun' && options.resourceLimits) return 'Bun has no flag for a heap or stack limit, so "resourceLimits" cannot be honoured';
  return undefined;
}

/** Starts a worker process; throws a SyncBridgeError (without the call's label) if it cannot. */
export function startProcessLink(options: WorkerOptions): Link {
  const unavailable = processUnavailable(options);
  if (unavailable) throw libraryError(ErrorCodes.UNSUPPORTED, `the process strategy cannot serve: ${unavailable}.`);
  return new ProcessLink(options);
}

interface ExitStatus {
  code?: number;
  signal?: string;
}

/**
 * How a child that is gone ended, while this thread's event loop (which reaps children) cannot run: Linux
 * keeps a dead child as a zombie with its wait status in /proc/<pid>/stat (field 52). Elsewhere: unknown.
 */
function exitStatusOf(pid: number | undefined): ExitStatus | undefined {
  if (pid === undefined || os.platform() !== 'linux') return undefined;
  const until = performance.now() + 500;
  for (;;) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined; // reaped already, or /proc not readable (the permission model)
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') {
      const status = Number(fields[49]);
      if (!Number.isInteger(status)) return undefined;
      const signal = status & 0x7f;
      if (signal === 0) return { code: (status >> 8) & 0xff };
      const name = Object.entries(os.constants.signals).find(([, number]) => number === signal)?.[0];
      return { signal: name ?? `signal ${signal}` };
    }
    // The socket closes as the process exits; it may take a moment more to become a zombie.
    if (performance.now() > until) return undefined;
    Atomics.wait(pause, 0, 0, 2);
  }
}

const SIGNAL_HINTS: Record<string, string> = {
  SIGABRT: ' (process.abort(), a failed check in native code, or V8 running out of memory: its stderr above says which)',
  SIGSEGV: ' (a crash in native code, such as an addon)',
  SIGBUS: ' (a crash in native code, such as an addon)',
  SIGKILL: " (killed from outside, or by the kernel's out-of-memory killer)",
  SIGTERM: ' (terminated from outside)',
};

/** This thread's worker processes that have not ended: killed as this process exits (one listener for all). */
const liveChildren = new Set<ChildProcess>();
let killingOnExit = false;
function killLiveChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

class ProcessLink implements Link {
  readonly strategy = 'process';
  readonly #child: ChildProcess;
  readonly #socket: Socket;
  readonly #fd: number;
  readonly #execArgv: string[];
  readonly #options: WorkerOptions;
  readonly #reader = new FrameReader();
  /** The buffer for the next answer's big binary part, made ready while the worker works. */
  readonly #spare = new SpareBuffer();
  /** Big answers were in play: the kept frame buffer and the spare go once calls stop (this thread's event loop runs then). */
  readonly #letBigBuffersGoLater = letGoWhenIdle(
    () => this.#reader.keeps || this.#spare.held,
    () => {
      this.#spare.drop();
      this.#reader.dropKept();
    },
  );
  readonly #readBuffer = Buffer.allocUnsafe(READ_CHUNK);
  #ready = false;
  /** Our end of the socket reached its end: the child is gone (or going). */
  #closed = false;
  #stopped = false;
  /** The code of a process.exit(), from the EXIT frame its exit handler wrote. */
  #exitCode: number | undefined;
  /** From the 'exit' event, when this thread's event loop ran since the child ended. */
  #exited: ExitStatus | undefined;
  #error: unknown;
  #onIdle: ((message: Incoming) => void) | undefined;
  /** When bytes last arrived from the child (performance.now()). */
  #lastHeard = 0;
  #idleDrainQueued = false;

  constructor(options: WorkerOptions) {
    this.#options = options;
    const node = detectRuntime().name === 'node';
    this.#execArgv = [...flagsForChildProcess(options.execArgv ?? defaultExecArgv() ?? process.execArgv), ...limitFlags(options.resourceLimits)];
    const args = [...this.#execArgv, ...(node ? ['--input-type=commonjs'] : []), '-e', BOOTSTRAP];
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, args, {
        stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
        // The strategy variable is the caller's: the worker process's own sync calls (a preload's) choose for themselves.
        env: {
          ...(options.env ?? process.env),
          [IN_WORKER_PROCESS]: '1',
          [envVars.strategy]: undefined,
          // The worker's spin budget (process-endpoint.ts), as a thread gets it in its workerData.
          [envVars.spinMicros]: String(defaults.workerSpinMicros),
        },
        ...(options.cwd !== undefined && { cwd: options.cwd }),
        windowsHide: true,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw libraryError(
        code === 'ERR_ACCESS_DENIED' ? ErrorCodes.UNSUPPORTED : ErrorCodes.WORKER_EXIT,
        `the worker process could not be started: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#child = child;
    const socket = child.stdio[3] as Socket | null;
    const fd = (socket as unknown as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
    if (!socket || typeof fd !== 'number' || fd < 0) {
      child.kill('SIGKILL');
      throw libraryError(
        ErrorCodes.UNSUPPORTED,
        `${runtimeLabel()} gives no file descriptor for a child process's socket, which this thread must read synchronously.`,
      );
    }
    this.#socket = socket;
    this.#fd = fd;
    // Neither keeps this process alive: a script that makes calls and ends, exits (and the child sees its socket end).
    child.unref();
    socket.unref();
    child.on('error', (error) => {
      this.#error = error;
      this.#closed = true;
      liveChildren.delete(child);
    });
    child.on('exit', (code, signal) => {
      this.#exited = signal ? { signal } : { code: code ?? 0 };
      this.#closed = true;
      liveChildren.delete(child);
    });
    // A child busy in its own code between calls (a timer's loop) never reads the socket's end: it would outlive
    // this process, holding its stdout and stderr open. As this process exits, the child ends too.
    liveChildren.add(child);
    if (!killingOnExit) {
      killingOnExit = true;
      process.on('exit', killLiveChildren);
    }
    socket.on('error', () => {
      this.#closed = true;
    });
    socket.on('end', () => {
      this.#closed = true;
    });
    const source = Buffer.from(__SYNCBRIDGE_WORKER_SOURCE__);
    try {
      writeAllSync(fd, frameOf(FrameKind.SOURCE, source), () => this.#readAvailable());
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        // The child ended before it read its code (a bad flag, a preload that exits): a failed start, said as one
        // (a race with the same cause otherwise reported at the first read, and so worded differently).
        this.#exited ??= exitStatusOf(child.pid);
        child.kill('SIGKILL');
        throw libraryError(ErrorCodes.WORKER_EXIT, this.whyEnded(), { cause: error });
      }
      child.kill('SIGKILL');
      throw libraryError(ErrorCodes.WORKER_EXIT, `the worker process could not be given its code: ${(error as Error).message}`, { cause: error });
    }
  }

  get error(): unknown {
    return this.#error;
  }

  usable(): boolean {
    if (this.#stopped || this.#closed) return false;
    // The child may have ended since we last heard from it (an error between calls ends it), and this thread's
    // event loop, which would have seen its socket close, may not have run. One read tells, for a few µs; not
    // needed between back-to-back calls.
    // Everything that has arrived, not one chunk: an EXIT frame may come after more output than one read takes.
    if (performance.now() - this.#lastHeard > 1) while (this.#readAvailable());
    if (!this.#closed && !this.#reader.holds(FrameKind.EXIT)) return true;
    // It ended between calls: what it printed (and asked) before it went is handled as between calls.
    this.#drainIdle();
    return false;
  }

  started(): boolean {
    return this.#ready;
  }

  send(message: Request, { json, transferList }: Outgoing): void {
    // Moving memory to another process is copying it: ArrayBuffers are copied; nothing else in a transfer list can go.
    for (const item of transferList ?? []) {
      if (!(item instanceof ArrayBuffer))
        throw new TypeError(
          `${Object.prototype.toString.call(item)} in the transfer list cannot go to a worker process: only ArrayBuffers can (they are copied)`,
        );
      if (isDetached(item)) throw new TypeError('an ArrayBuffer in the transfer list was already transferred or detached');
    }
    // Throws what encoding throws (shared memory, ports: nothing that cannot leave this process), untouched.
    const frame = messageFrame(message, json);
    if (this.#closed) return; // receive() reports how the child ended
    try {
      writeAllSync(this.#fd, frame, () => this.#readAvailable());
    } catch (error) {
      if (!isGone(error)) throw error;
      this.#closed = true;
    }
    detach(transferList);
  }

  receive(until: number): Incoming | typeof ENDED | undefined {
    const entered = performance.now();
    // Spin while the answer may be near: at first, and again whenever bytes arrive (a large message comes in
    // socket-buffer-sized pieces, each one a moment after the last).
    let lastProgress = entered;
    const spinMs = (defaults.callerSpinMicros + defaults.wakeSpinMicros) / 1000;
    // While the worker works: the answer's big binary part, if the last answers had one of a size, gets its
    // memory ready (spare-buffer.ts). A look at the socket costs a system call: one per few steps.
    this.#spare.prepareWhile(() => !this.#readAvailable(), PROBE_EVERY_STEPS);
    for (;;) {
      const frame = this.#reader.next();
      if (frame) {
        const message = this.#consume(frame);
        if (message) return message;
        continue;
      }
      // Ended (a write found the socket closed, or its 'end' or 'exit' event came): what it sent before it went,
      // output and its EXIT frame, is still to be read.
      if (this.#closed) {
        if (!this.#stopped && this.#readAvailable()) continue;
        return ENDED;
      }
      if (this.#readAvailable()) {
        lastProgress = performance.now();
        continue;
      }
      if (this.#closed) continue;
      const now = performance.now();
      if (now >= until) return undefined;
      if (now - lastProgress < spinMs) continue;
      // Sleep in slices that grow with the wait: at most 5% added to a long call, from 50 µs to 2 ms.
      Atomics.wait(pause, 0, 0, Math.min(until - now, Math.max(0.05, Math.min(2, (now - entered) * 0.05))));
    }
  }

  /** Reads what has arrived, if anything: true if bytes came. Never blocks. */
  #readAvailable(): boolean {
    const direct = this.#reader.directTarget(READ_CHUNK);
    let count: number;
    const limit = Error.stackTraceLimit;
    // An empty read throws EAGAIN, most reads here do: without a stack, a throw costs a third.
    Error.stackTraceLimit = 0;
    try {
      count = direct ? fs.readSync(this.#fd, direct.buffer, direct.offset, direct.length, null) : fs.readSync(this.#fd, this.#readBuffer, 0, READ_CHUNK, null);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EAGAIN') return false;
      if (!isGone(error)) throw error;
      this.#closed = true;
      return false;
    } finally {
      Error.stackTraceLimit = limit;
    }
    if (count === 0) {
      this.#closed = true;
      return false;
    }
    this.#lastHeard = performance.now();
    if (direct) this.#reader.filled(count);
    else this.#reader.push(this.#readBuffer.subarray(0, count));
    return true;
  }

  /** A frame's effect: output written, readiness or exit noted; a message returned. */
  #consume(frame: Frame): Incoming | undefined {
    switch (frame.kind) {
      case FrameKind.STDOUT:
        writeWorkerOutput(1, frame.payload);
        return undefined;
      case FrameKind.STDERR:
        writeWorkerOutput(2, frame.payload);
        return undefined;
      case FrameKind.READY:
        this.#ready = true;
        return undefined;
      case FrameKind.EXIT:
        this.#exitCode = frame.payload.readInt32LE(0);
        return undefined;
      case FrameKind.JSON:
      case FrameKind.V8:
        try {
          return decodeMessage(frame.kind, frame.payload, this.#spare) as Incoming;
        } finally {
          this.#reader.release(frame);
          this.#letBigBuffersGoLater();
        }
      default:
        return undefined;
    }
  }

  flushOutput(): void {
    // Output arrives in order with the messages; frames read past the last answer wait for the event loop.
    if (this.#onIdle && !this.#idleDrainQueued) {
      this.#idleDrainQueued = true;
      queueMicrotask(() => {
        this.#idleDrainQueued = false;
        this.#drainIdle();
      });
    }
  }

  /** Between calls: what has arrived (output, listener calls) is handled on the event loop. */
  #drainIdle(): void {
    for (let frame = this.#reader.next(); frame; frame = this.#reader.next()) {
      const message = this.#consume(frame);
      if (message && typeof message[0] === 'string') this.#onIdle?.(message);
    }
  }

  listen(onMessage: (message: Incoming) => void): void {
    this.#onIdle = onMessage;
    this.#socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      this.#drainIdle();
    });
  }

  whyEnded(): string {
    const lost = "The module's state is lost; the next call starts a fresh worker process.";
    if (this.#exitCode !== undefined) return `the worker process exited with code ${this.#exitCode} during the call (process.exit() in the worker?). ${lost}`;
    const status = this.#exited ?? exitStatusOf(this.#child.pid);
    const how = status?.signal ? `by ${status.signal}` : status?.code !== undefined ? `with exit code ${status.code}` : 'without saying how';
    if (!this.#ready) {
      const diagnosis = diagnoseStartup(this.#execArgv, this.#options.env);
      return (
        `the worker process failed while starting (it ended ${how}), before syncbridge's code ran: a --require/--import preload or a flag in its ` +
        `execArgv (${JSON.stringify(this.#execArgv)}) most likely failed.` +
        (diagnosis ? ` Starting Node with the same flags printed:\n${diagnosis}` : " Its stderr, this process's, says which.")
      );
    }
    const { resourceLimits } = this.#options;
    if (resourceLimits && (status?.signal === 'SIGABRT' || status?.code === 134)) {
      return (
        `the worker process ran out of memory under resourceLimits ${JSON.stringify(resourceLimits)} (V8 aborted it: SIGABRT) during the call. ` +
        `Raise the limits or use less memory per call. The calling process is unharmed. ${lost}`
      );
    }
    const killed = status?.signal ? `was killed by ${status.signal}${SIGNAL_HINTS[status.signal] ?? ''}` : `ended ${how}`;
    return `the worker process ${killed} during the call. The calling process is unharmed. ${lost}`;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#socket.destroy();
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      // Referenced again until it has gone: whoever awaits close() is not left with a loop that ends first.
      this.#child.ref();
      this.#child.once('exit', () => resolve());
      this.#child.kill('SIGKILL');
    });
  }
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'EBADF' || code === 'ENOTCONN';
}
