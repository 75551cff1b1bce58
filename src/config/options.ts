/** The options users pass, checked once (at syncify() time) so that a mistake fails where it was made. */
import type { ResourceLimits } from 'node:worker_threads';
import { defaults, envVars } from './defaults.js';
import { readEnv } from '../env/runtime.js';
import { ErrorCodes, SyncBridgeError } from '../errors.js';

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
  /** Node flags for the worker. Default: the caller's process.execArgv (loaders and --import hooks carry over). */
  execArgv?: string[];
  /** The worker's process.env. Default: a copy of the caller's. */
  env?: Record<string, string | undefined>;
  /** Heap limits for the worker (worker_threads resourceLimits). */
  resourceLimits?: ResourceLimits;
}

export interface SyncifyOptions extends CallOptions, WorkerOptions {}

export interface CallSettings {
  timeout: number;
  warnAfter: number;
}

function invalid(message: string): SyncBridgeError {
  return new SyncBridgeError(ErrorCodes.INVALID_ARG, message);
}

function fromEnv(name: string): number | undefined {
  const raw = readEnv(name);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value >= 0)) throw invalid(`The environment variable ${name}="${raw}" must be a number of milliseconds.`);
  return value;
}

function milliseconds(value: unknown, option: string, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalid(
      `The "${option}" option must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds (or Infinity); got ${typeof value === 'string' ? `the string "${value}"` : String(value)}.`,
    );
  }
  return value;
}

const KNOWN = new Set(['timeout', 'warnAfter', 'execArgv', 'env', 'resourceLimits']);

export function checkOptions(options: unknown, where: string): SyncifyOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`${where}: options must be an object such as { timeout: 5000 }; got ${options === null ? 'null' : typeof options}.`);
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length) throw invalid(`${where}: unknown option ${unknown.map((k) => `"${k}"`).join(', ')}; the options are ${[...KNOWN].join(', ')}.`);
  const o = options as SyncifyOptions;
  milliseconds(o.timeout, 'timeout', false);
  milliseconds(o.warnAfter, 'warnAfter', true);
  if (o.execArgv !== undefined && !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))) {
    throw invalid(`${where}: "execArgv" must be an array of strings, e.g. ["--import", "tsx"].`);
  }
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) throw invalid(`${where}: "env" must be an object of strings.`);
  if (o.resourceLimits !== undefined && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null)) {
    throw invalid(`${where}: "resourceLimits" must be an object such as { maxOldGenerationSizeMb: 256 }.`);
  }
  return o;
}

export function callSettings(options: CallOptions): CallSettings {
  return {
    timeout: options.timeout ?? fromEnv(envVars.timeout) ?? defaults.timeout,
    warnAfter: options.warnAfter ?? fromEnv(envVars.warnAfter) ?? defaults.warnAfter,
  };
}

export function workerOptionsOf(options: SyncifyOptions): WorkerOptions {
  const { execArgv, env, resourceLimits } = options;
  return { execArgv, env, resourceLimits };
}
