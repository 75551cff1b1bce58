/**
 * The bridges of this thread. Each thread that imports the library gets its own module instance and so its
 * own workers: one per distinct set of worker options, shared by every syncify() and runSync() that uses it.
 */
import type { WorkerOptions } from '../config/options.js';
import { ThreadBridge } from '../thread/thread-bridge.js';

const bridges = new Map<string, ThreadBridge>();

export function bridgeFor(options: WorkerOptions): ThreadBridge {
  const key = JSON.stringify([options.execArgv, options.env, options.resourceLimits]);
  let bridge = bridges.get(key);
  if (!bridge) {
    bridge = new ThreadBridge(options);
    bridges.set(key, bridge);
  }
  return bridge;
}

/**
 * Stops this thread's workers. Never needed for the process to exit (workers are unref'd); use it to free
 * the threads early or to start from fresh module state. Later calls start new workers.
 */
export async function close(): Promise<void> {
  await Promise.all([...bridges.values()].map((bridge) => bridge.close()));
}
