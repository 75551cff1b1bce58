/** The options users pass, checked once (at syncify() time) so that a mistake fails where it was made. */
import type { ResourceLimits } from 'node:worker_threads';
import { ErrorCodes, libraryError, type SyncBridgeError } from '../errors.js';
import { acceptsNumber, checkTuning, defaults, envNumber, numberRule, STRATEGIES } from './defaults.js';

export interface CallOptions {
  /**
   * Milliseconds a call may take, the first call's worker start and module load included. When it runs
   * out the worker is stopped (module state is lost) and the call throws ERR_SYNCBRIDGE_TIMEOUT.
   * Default: no limit, or the SYNCBRIDGE_TIMEOUT environment variable.
   */
  timeout?: number;
  /**
   * While a call without timeout blocks, report on stderr every this many milliseconds (0: never).
   * Default: 10000, or the SYNCBRIDGE_WARN_AFTER environment variable.
   */
  warnAfter?: number;
}

export interface WorkerOptions {
  /**
   * What runs the module: 'thread' (a worker thread, the fastest), 'process' (a child process of this runtime:
   * real isolation, real flags, where a thread cannot serve), or 'auto' (the default): a thread where one can
   * serve, a process where it cannot (the permission model without --allow-worker, a native addon that is not
   * context-aware, the "cwd" option). `explain()` says which, and why.
   */
  strategy?: 'auto' | 'thread' | 'process';
  /** The worker process's working directory (the process strategy; under 'auto' it asks for a process). */
  cwd?: string;
  /** Node flags for the worker. Default: the caller's process.execArgv (loaders and --import hooks carry over). */
  execArgv?: string[];
  /** The worker's process.env. Default: a copy of the caller's. */
  env?: Record<string, string | undefined>;
  /**
   * Heap limits for the worker (worker_threads resourceLimits). A worker process takes maxOldGenerationSizeMb
   * and stackSizeMb, as --max-old-space-size and --stack-size.
   */
  resourceLimits?: ResourceLimits;
}

export interface SyncifyOptions extends CallOptions, WorkerOptions {}

export interface CallSettings {
  timeout: number;
  warnAfter: number;
}

function invalid(message: string): SyncBridgeError {
  return libraryError(ErrorCodes.INVALID_ARG, message);
}

/** An option's number, checked by the same rule as its environment variable (config/defaults.ts). */
function milliseconds(value: unknown, option: 'timeout' | 'warnAfter'): void {
  if (value === undefined || acceptsNumber(option, value)) return;
  throw invalid(`The "${option}" option must be ${numberRule(option)}; got ${typeof value === 'string' ? `the string "${value}"` : String(value)}.`);
}

const KNOWN = new Set(['timeout', 'warnAfter', 'strategy', 'cwd', 'execArgv', 'env', 'resourceLimits']);

export function checkOptions(options: unknown, where: string): SyncifyOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`${where}: options must be an object such as { timeout: 5000 }; got ${options === null ? 'null' : typeof options}.`);
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length) throw invalid(`${where}: unknown option ${unknown.map((k) => `"${k}"`).join(', ')}; the options are ${[...KNOWN].join(', ')}.`);
  const o = options as SyncifyOptions;
  milliseconds(o.timeout, 'timeout');
  milliseconds(o.warnAfter, 'warnAfter');
  if (o.execArgv !== undefined && !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))) {
    throw invalid(`${where}: "execArgv" must be an array of strings, e.g. ["--import", "tsx"].`);
  }
  if (o.strategy !== undefined && !STRATEGIES.includes(o.strategy)) {
    throw invalid(`${where}: "strategy" must be one of ${STRATEGIES.map((name) => `'${name}'`).join(', ')}; got ${JSON.stringify(o.strategy)}.`);
  }
  if (o.cwd !== undefined && (typeof o.cwd !== 'string' || o.cwd === '')) throw invalid(`${where}: "cwd" must be a directory path (a non-empty string).`);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) throw invalid(`${where}: "env" must be an object of strings.`);
  if (o.resourceLimits !== undefined && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null)) {
    throw invalid(`${where}: "resourceLimits" must be an object such as { maxOldGenerationSizeMb: 256 }.`);
  }
  return o;
}

/**
 * What a call gets: its options, else the environment (SYNCBRIDGE_TIMEOUT, SYNCBRIDGE_WARN_AFTER), else the
 * defaults. Throws ERR_SYNCBRIDGE_INVALID_ARG for a variable it reads (or a spin variable read at load) whose
 * value the setting does not accept.
 */
export function callSettings(options: CallOptions): CallSettings {
  checkTuning();
  return {
    timeout: options.timeout ?? envNumber('timeout') ?? defaults.timeout,
    warnAfter: options.warnAfter ?? envNumber('warnAfter') ?? defaults.warnAfter,
  };
}

export function workerOptionsOf(options: SyncifyOptions): WorkerOptions {
  const { strategy, cwd, execArgv, env, resourceLimits } = options;
  return { strategy, cwd, execArgv, env, resourceLimits };
}
