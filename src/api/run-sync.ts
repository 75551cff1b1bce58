/** runSync(): one self-contained async function, run synchronously. */
import { bridgeFor } from './bridges.js';
import { ErrorCodes, libraryError, pointAtCaller, SyncBridgeError } from '../errors.js';
import { checkOptions, callSettings, workerOptionsOf, type CallOptions, type CallSettings, type WorkerOptions } from '../config/options.js';
import { Op } from '../wire/protocol.js';
import { findTransformArtefact, transformArtefactMessage } from '../env/transform-artefacts.js';

export interface RunSync {
  /**
   * Runs `fn(...args)` in the worker and returns its awaited result. Only the function's source crosses:
   * it may use its arguments, globals, and what it imports (`await import('node:fs/promises')`), not
   * variables of the scope it was written in.
   */
  <A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Awaited<R>;
  /** A runSync with options, e.g. `runSync.with({ timeout: 1000 })(fn, ...args)`. */
  with(options: CallOptions & WorkerOptions): RunSync;
}

function create(settings: CallSettings | undefined, workerOptions: WorkerOptions): RunSync {
  const bridge = bridgeFor(workerOptions);
  const run = function runSync(fn: unknown, ...args: unknown[]): unknown {
    if (typeof fn !== 'function') {
      throw libraryError(ErrorCodes.INVALID_ARG, `runSync() needs a function as its first argument; got ${fn === null ? 'null' : typeof fn}.`, { entry: run });
    }
    const source = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}$/.test(source)) {
      throw libraryError(
        ErrorCodes.INVALID_ARG,
        `runSync() needs a function written in JavaScript, whose source can be sent to the worker; "${fn.name}" is a native or bound function.`,
        { entry: run },
      );
    }
    // A source rewritten by a test runner, coverage or a bundler cannot run in the worker: say so now, by
    // name, rather than let the worker report an undefined cov_1x2y3z.
    const artefact = findTransformArtefact(source);
    if (artefact) {
      throw libraryError(ErrorCodes.CLOSURE, `runSync(${fn.name || 'anonymous function'}): ${transformArtefactMessage(artefact)}`, { entry: run });
    }
    // Read once, lazily: the environment may be set after import but before the first call.
    try {
      settings ??= callSettings({});
    } catch (error) {
      throw error instanceof SyncBridgeError ? pointAtCaller(error, run) : error;
    }
    const label = `runSync(${fn.name || 'anonymous function'})`;
    return bridge.call(Op.RUN, source, fn.name, args, settings, { label, entry: run });
  } as RunSync;
  run.with = (options) => {
    try {
      const checked = checkOptions(options, 'runSync.with()');
      return create(callSettings(checked), workerOptionsOf(checked));
    } catch (error) {
      throw error instanceof SyncBridgeError ? pointAtCaller(error, run.with) : error;
    }
  };
  return run;
}

export const runSync: RunSync = create(undefined, {});
