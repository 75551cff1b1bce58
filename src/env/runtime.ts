/**
 * Which runtime this is, and what it and this thread can do: the one runtime detection of the library
 * (caller and worker alike). Checked once per thread, on first use.
 */
import { ErrorCodes, libraryError } from '../errors.js';

export interface RuntimeInfo {
  name: 'node' | 'bun' | 'deno';
  version: string;
}

export function detectRuntime(): RuntimeInfo {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return { name: 'bun', version: g.Bun.version };
  if (g.Deno) return { name: 'deno', version: g.Deno.version.deno };
  return { name: 'node', version: process.versions.node };
}

/** For messages: "Node 20.19.0", "Bun 1.2.3", "Deno 2.1.0". */
export function runtimeLabel(runtime: RuntimeInfo = detectRuntime()): string {
  return `${runtime.name === 'node' ? 'Node' : runtime.name === 'bun' ? 'Bun' : 'Deno'} ${runtime.version}`;
}

let canBlock: boolean | undefined;

/** Throws ERR_SYNCBRIDGE_UNSUPPORTED, with the reason, where this thread cannot block on shared memory. */
export function assertCanBlock(): void {
  if (canBlock) return;
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') {
    throw libraryError(ErrorCodes.UNSUPPORTED, 'This runtime has no SharedArrayBuffer/Atomics.wait, which a synchronous call needs to wait for its worker.');
  }
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') {
    // The worker, on this same runtime, waits for calls with it so that its own event loop keeps running.
    throw libraryError(
      ErrorCodes.UNSUPPORTED,
      `This runtime (${runtimeLabel()}) has no Atomics.waitAsync, which syncbridge's worker needs to wait for calls while its event loop runs.`,
    );
  }
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
  } catch (error) {
    throw libraryError(
      ErrorCodes.UNSUPPORTED,
      'This thread is not allowed to block (Atomics.wait threw), so it cannot make synchronous calls: ' +
        'call the async function with await here, or make the synchronous call from a worker thread.',
      { cause: error },
    );
  }
  canBlock = true;
}

/**
 * Worker options a runtime would silently not honour, as the reason to refuse them (undefined: all fine).
 * Bun and Deno implement node:worker_threads, but:
 * - Bun ignores `resourceLimits` (the worker grows without bound) and `execArgv` (no --require/--import);
 * - Deno ignores `execArgv` too, and although it stops a worker at its `resourceLimits`, it leaves that
 *   thread parked instead of ending it, so a blocked caller never learns of it: the call would hang.
 * The caller refuses them with ERR_SYNCBRIDGE_UNSUPPORTED rather than ignore them, so nobody relies on a
 * limit or a preload that is not there.
 */
export function unsupportedWorkerOptions(options: { execArgv?: string[]; resourceLimits?: object }): string | undefined {
  const runtime = detectRuntime();
  if (runtime.name === 'node') return undefined;
  const name = runtimeLabel(runtime);
  if (options.resourceLimits !== undefined) {
    return (
      `the "resourceLimits" option is not supported on ${name}: ` +
      (runtime.name === 'bun'
        ? "Bun's worker threads ignore it, so the worker would have no memory limit at all. "
        : 'Deno stops a worker that reaches its limit but does not end its thread, so a blocked caller would wait forever. ') +
      'Leave it out on this runtime (the "timeout" option bounds how long a call may take).'
    );
  }
  if (options.execArgv !== undefined && options.execArgv.length > 0) {
    return (
      `the "execArgv" option (${JSON.stringify(options.execArgv)}) is not supported on ${name}: its worker threads ignore ` +
      'Node flags such as --require and --import. Leave it out (or pass []) on this runtime, and load what the worker needs from the module itself.'
    );
  }
  return undefined;
}

/**
 * An environment variable, or undefined when it is unset or cannot be read: Deno without --allow-env throws
 * on any read of process.env, and a library setting must not make every call fail there.
 */
export function readEnv(name: string): string | undefined {
  try {
    return typeof process === 'object' ? process.env?.[name] : undefined;
  } catch {
    return undefined;
  }
}
