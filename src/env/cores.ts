/**
 * Whether the machine has a core to spare right now, for the spins of wire/spin.ts. A thread that spins
 * while every core is wanted takes a time slice from someone, maybe from the very thread it waits for;
 * one that spins on a free core costs nothing but that core's idle time.
 *
 * Linux says how many threads are running or waiting for a core at this instant: the fourth field of
 * /proc/loadavg ("2/83"), all processes, the reader included. Read with pread on a descriptor kept open
 * it costs ~1.5 µs here, and it is read at most once per SAMPLE_MS. Measured on the 2-core VM: 1 while
 * only the reader runs, 2 beside one busy loop, 3 beside two. Elsewhere (or where the file cannot be
 * read: a permission model, a sandbox) the answer is "unknown", and spins stay short.
 */
import { openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The cores this process may use; undefined where the runtime cannot tell. */
export const cores: number | undefined = (() => {
  try {
    return availableParallelism();
  } catch {
    return undefined;
  }
})();

/** A census older than this is taken again: often enough to notice a busy loop starting within a gap or two. */
const SAMPLE_MS = 5;

let fd: number | undefined | null; // null: cannot be read here
const text = new Uint8Array(64);
let sampledAt = Number.NEGATIVE_INFINITY;
let running: number | undefined;

function open(): number | null {
  // Deno asks the user for a read permission not granted (or throws): never for this.
  const deno = (globalThis as { Deno?: { permissions?: { querySync?: (d: object) => { state: string } } } }).Deno;
  if (deno && deno.permissions?.querySync?.({ name: 'read', path: '/proc/loadavg' }).state !== 'granted') return null;
  try {
    return openSync('/proc/loadavg', 'r');
  } catch {
    return null;
  }
}

/** The threads running or waiting for a core now, on the whole machine (this one included); undefined if unknown. */
export function runnableThreads(now = performance.now()): number | undefined {
  if (now - sampledAt < SAMPLE_MS) return running;
  sampledAt = now;
  if (fd === undefined) fd = open();
  if (fd === null) return undefined;
  try {
    const n = readSync(fd, text, 0, text.length, 0);
    // "0.25 0.17 0.57 3/83 31141": the number before the slash.
    let i = 0;
    for (let spaces = 0; i < n && spaces < 3; i++) if (text[i] === 0x20) spaces++;
    let count = 0;
    for (; i < n && text[i]! >= 0x30 && text[i]! <= 0x39; i++) count = count * 10 + (text[i]! - 0x30);
    running = i < n && text[i] === 0x2f ? count : undefined;
  } catch {
    fd = null;
    running = undefined;
  }
  return running;
}

/**
 * Whether every thread that wants a core has one now (the census at most the core count), the asking
 * thread included: a worker spinning through its caller's gap and the caller at work count two. Undefined
 * if unknown.
 */
export function coreToSpare(now = performance.now()): boolean | undefined {
  const count = runnableThreads(now);
  if (count === undefined || cores === undefined) return undefined;
  return count <= cores;
}
