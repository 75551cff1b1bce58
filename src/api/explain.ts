/** explain(): which strategy this thread's calls use, and why the others were passed over. */
import { checkOptions, type WorkerOptions, workerOptionsOf } from '../config/options.js';
import { pointAtCaller, SyncBridgeError } from '../errors.js';
import type { StrategyName } from '../session/link.js';
import type { Choice } from '../strategy/choose.js';
import { bridgeFor, movedModules } from './bridges.js';

export interface Explanation extends Choice {
  /** The strategy of the worker running now for these options, if one has started. */
  running: StrategyName | undefined;
  /** Modules that run in a worker process although these options would give them a thread, and why. */
  modules: Array<{ module: string; reason: string }>;
}

/**
 * Which strategy carries calls made with these options (the default options if none) on this thread, and
 * why each strategy was taken or passed over, as data. Starts nothing: the decision is made from facts about
 * the runtime, the thread and the options, and corrected by what happened since (a thread that could not
 * start, a module that could not load in one). `NODE_DEBUG=syncbridge` logs each decision as it is made.
 *
 * ```ts
 * const { strategy, considered } = explain();
 * // 'process', [{ strategy: 'thread', usable: false, reason: "Node's permission model forbids worker threads here (no --allow-worker)" }, …]
 * ```
 */
export function explain(options?: WorkerOptions): Explanation {
  let workerOptions: WorkerOptions;
  try {
    workerOptions = workerOptionsOf(checkOptions(options, 'explain()'));
  } catch (error) {
    if (error instanceof SyncBridgeError) pointAtCaller(error, explain);
    throw error;
  }
  const bridge = bridgeFor(workerOptions);
  const { requested, strategy, considered } = bridge.choice;
  return {
    requested,
    strategy,
    considered: considered.map((c) => ({ ...c })),
    running: bridge.running,
    modules: requested === 'auto' ? movedModules() : [],
  };
}
