/**
 * The bridges of this thread. Each thread that imports the library gets its own module instance and so its
 * own workers: one per distinct set of worker options, shared by every syncify() and runSync() that uses it.
 * A module that cannot load in a worker thread (a native addon that is not context-aware) is remembered here
 * and goes to a worker process from then on, under strategy 'auto'.
 */
import { envStrategy } from '../config/defaults.js';
import type { WorkerOptions } from '../config/options.js';
import { Bridge } from '../session/bridge.js';
import { logDecision } from '../strategy/choose.js';

const bridges = new Map<string, Bridge>();
/** Module URL → why it runs in a worker process although its options would have a thread. */
const movedToProcess = new Map<string, string>();

export function bridgeFor(options: WorkerOptions, module?: string): Bridge {
  const effective = module && movedToProcess.has(module) && (options.strategy ?? 'auto') === 'auto' ? { ...options, strategy: 'process' as const } : options;
  // The strategy as it will be decided: { strategy: 'auto' } and no strategy (without SYNCBRIDGE_STRATEGY) are
  // one bridge, not two workers, and explain() of either tells of the one running.
  let fromEnv: string | undefined;
  try {
    fromEnv = envStrategy();
  } catch {
    fromEnv = 'invalid'; // refused when the bridge chooses, at the first call
  }
  const key = JSON.stringify([effective.strategy ?? fromEnv ?? 'auto', effective.cwd, effective.execArgv, effective.env, effective.resourceLimits]);
  let bridge = bridges.get(key);
  if (!bridge) {
    bridge = new Bridge(effective);
    bridges.set(key, bridge);
  }
  return bridge;
}

/** Sends `module` to a worker process from now on (its bridge under these options is then a process's). */
export function moveToProcess(module: string, reason: string): void {
  movedToProcess.set(module, reason);
  logDecision(`${module} moves to a worker process: ${reason}`);
}

/** The modules moved to a process, and why (explain()). */
export function movedModules(): Array<{ module: string; reason: string }> {
  return [...movedToProcess].map(([module, reason]) => ({ module, reason }));
}

/**
 * Stops this thread's workers. Never needed for the process to exit (workers are unref'd); use it to free
 * the threads early or to start from fresh module state. Later calls start new workers.
 */
export async function close(): Promise<void> {
  await Promise.all([...bridges.values()].map((bridge) => bridge.close()));
}
