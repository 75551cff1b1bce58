/** Why a worker (thread or process) ended before syncbridge's code ran in it: the one place that asks Node. */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { detectRuntime } from './runtime.js';

/**
 * A worker that dies before our code runs leaves its error on an event we cannot receive while blocked.
 * Starting Node with the same flags in a child process reproduces it synchronously (failure path only).
 */
export function diagnoseStartup(execArgv: string[], env: Record<string, string | undefined> | undefined): string | undefined {
  if (detectRuntime().name !== 'node') return undefined;
  let result: SpawnSyncReturns<string>;
  try {
    result = spawnSync(process.execPath, [...execArgv, '-e', '0'], { env: env ?? process.env, encoding: 'utf8', timeout: 10_000 });
  } catch {
    return undefined; // e.g. the permission model without --allow-child-process: no diagnosis, not a raw error
  }
  if (result.status === 0 || typeof result.stderr !== 'string') return undefined;
  return result.stderr.trim().split('\n').slice(0, 15).join('\n') || undefined;
}
