/**
 * transfer(): move an ArrayBuffer (or MessagePort) to the other side instead of copying it. The sender's
 * buffer is detached afterwards. Works both ways: a worker module can `import { transfer } from
 * 'syncbridge'` and return transfer(bytes, [bytes.buffer]).
 *
 * The marks live in one registry per thread on globalThis, so every copy of the library (ESM and CJS
 * builds, the worker's bundled code) sees the marks made by any other.
 */
import type { TransferListItem } from 'node:worker_threads';

const registryKey = Symbol.for('syncbridge.transfers');
type Registry = WeakMap<object, TransferListItem[]>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (holder[registryKey] ??= new WeakMap());
}

/** Marks `value` so that, when it is an argument or a return value, `transferList` is moved, not copied. */
export function transfer<T>(value: T, transferList: readonly TransferListItem[]): T {
  if (typeof value === 'object' && value !== null) registry().set(value, [...transferList]);
  return value;
}

/** The transfer list for these values (only the values themselves are looked up, not their contents). */
export function transferListOf(values: readonly unknown[]): TransferListItem[] | undefined {
  let list: TransferListItem[] | undefined;
  for (const value of values) {
    if (typeof value !== 'object' || value === null) continue;
    const marked = registry().get(value);
    if (marked) (list ??= []).push(...marked);
  }
  return list;
}

/** Whether an ArrayBuffer was transferred away (Node 20 has no ArrayBuffer.prototype.detached). */
export function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength > 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * What transfer() promises, kept across processes: the sender's buffers are detached once sent (their bytes
 * were copied into the socket), so code that relied on a move does not go on using memory it gave away.
 */
export function detach(transferList: readonly unknown[] | undefined): void {
  for (const item of transferList ?? []) if (item instanceof ArrayBuffer && !isDetached(item)) structuredClone(item, { transfer: [item] });
}
