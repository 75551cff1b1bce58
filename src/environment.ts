/** What this runtime and thread can do. Checked once per thread, on first use. */
import { ErrorCodes, SyncBridgeError } from './errors.js';

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

let canBlock: boolean | undefined;

/** Throws ERR_SYNCBRIDGE_UNSUPPORTED, with the reason, where this thread cannot block on shared memory. */
export function assertCanBlock(): void {
  if (canBlock) return;
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') {
    throw new SyncBridgeError(
      ErrorCodes.UNSUPPORTED,
      'This runtime has no SharedArrayBuffer/Atomics.wait, which a synchronous call needs to wait for its worker.',
    );
  }
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
  } catch (error) {
    throw new SyncBridgeError(
      ErrorCodes.UNSUPPORTED,
      'This thread is not allowed to block (Atomics.wait threw), so it cannot make synchronous calls: ' +
        'call the async function with await here, or make the synchronous call from a worker thread.',
      { cause: error },
    );
  }
  canBlock = true;
}
