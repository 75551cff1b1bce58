/**
 * Inside the worker: the caller's `--import` preloads, run again here before any module is loaded.
 *
 * Node runs `--require` preloads in every worker and carries `--loader`/`--experimental-loader` hooks
 * over, but a worker started with `eval: true` (ours) never runs `--import` preloads (Node 20 to 26), and
 * hooks that a preload installed with `module.register()`/`module.registerHooks()` belong to the thread
 * that installed them. `tsx`, `node --import tsx`, ts-node's `--import data:...register("ts-node/esm")`
 * and every other loader installed that way would be missing here, so a `.ts` module would not load.
 *
 * So the worker imports the same specifiers itself, in Node's order (NODE_OPTIONS first, then execArgv),
 * resolved from the current directory as Node resolves them. tsx's `--import` entry registers its ESM hooks
 * only on the main thread on some Node versions (20 among them): for tsx, its documented APIs are used
 * instead (`tsx/cjs` and `tsx/esm/api`'s `register()`), which register in any thread.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodePreloads } from '../env/node-flags.js';
import { detectRuntime } from '../env/runtime.js';
import { ErrorCodes } from '../errors.js';
import { Failure } from './failure.js';

const URL_LIKE = /^[a-zA-Z][a-zA-Z\d+.-]*:/;
const RELATIVE = /^\.\.?(?:[\\/]|$)/;

/** What the worker imports for a `--import` value: URLs as they are, paths as file URLs, bare names as they are. */
function preloadTarget(specifier: string): string {
  if (URL_LIKE.test(specifier) && !path.isAbsolute(specifier)) return specifier;
  if (path.isAbsolute(specifier) || RELATIVE.test(specifier)) return pathToFileURL(path.resolve(specifier)).href;
  // A bare name: import() from this (eval'd) worker resolves it from the current directory, as Node does.
  return specifier;
}

const TSX_LOADER = /[\\/]tsx[\\/]dist[\\/](?:loader|esm[\\/]index)\.mjs$/;

/** For tsx's own `--import` entries: the modules that register its hooks in this thread, or undefined. */
function tsxEntries(specifier: string): { cjs?: string; esmApi: string } | undefined {
  if (specifier === 'tsx') return { cjs: 'tsx/cjs', esmApi: 'tsx/esm/api' };
  if (specifier === 'tsx/esm') return { esmApi: 'tsx/esm/api' };
  const target = preloadTarget(specifier);
  if (!target.startsWith('file:')) return undefined;
  const url = new URL(target);
  url.search = '';
  url.hash = '';
  const match = TSX_LOADER.exec(decodeURIComponent(url.pathname));
  if (!match) return undefined;
  // dist/loader.mjs (ESM and CommonJS hooks) or dist/esm/index.mjs (ESM only): both next to dist/cjs, dist/esm/api.
  const isLoader = match[0].endsWith('loader.mjs');
  const dist = new URL(isLoader ? './' : '../', url);
  return { ...(isLoader && { cjs: new URL('cjs/index.cjs', dist).href }), esmApi: new URL('esm/api/index.mjs', dist).href };
}

async function runPreload(specifier: string): Promise<void> {
  const tsx = tsxEntries(specifier);
  if (tsx) {
    try {
      if (tsx.cjs) await import(tsx.cjs);
      const api = (await import(tsx.esmApi)) as { register?: () => unknown };
      if (typeof api.register === 'function') {
        api.register();
        return;
      }
    } catch {
      // An unfamiliar tsx layout: fall back to importing what the caller imported.
    }
  }
  await import(preloadTarget(specifier));
}

/** The `--import` values the caller started with: NODE_OPTIONS first, then the command line, each once. */
export function callerPreloads(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const imports = nodePreloads(execArgv, nodeOptions).filter((preload) => preload.kind === '--import');
  return [...new Set(imports.map((preload) => preload.module))];
}

/** Set in a worker's own environment while it replays preloads; workers started meanwhile inherit it. */
const REPLAYING = 'SYNCBRIDGE_REPLAYING_PRELOADS';

let preloading: Promise<void> | undefined;
let preloaded = false;

/**
 * An eval'd worker runs as a `node -e` script does: `module`, `exports`, `__filename` and `__dirname` are
 * globals (in Node, Bun and Deno alike), so every ES module loaded here would see them, unlike in the
 * caller. UMD-style checks (`typeof module === 'object'`) then take the CommonJS branch and export nothing.
 * Our own code has used them by the first request; `require` stays, for runSync functions that use it.
 */
function hideScriptGlobals(): void {
  for (const name of ['module', 'exports', '__filename', '__dirname']) {
    const g = globalThis as Record<string, unknown>;
    // Deno makes them non-configurable but writable: undefined is what `typeof` checks then see.
    if (Object.hasOwn(g, name) && !delete g[name]) g[name] = undefined;
  }
}

/** Runs the caller's `--import` preloads once in this worker; a promise that settles when they have run. */
export function ensurePreloads(): Promise<void> {
  if (!preloading) {
    hideScriptGlobals();
    preloading = (async () => {
      if (detectRuntime().name !== 'node') return; // Bun and Deno load TypeScript themselves and have no --import.
      // A preload that makes a synchronous call starts a worker from here, which would replay it again,
      // and so on forever: a worker started while we replay (it copies this env) skips the replay.
      if (process.env[REPLAYING] === '1') return;
      process.env[REPLAYING] = '1';
      try {
        for (const specifier of callerPreloads(process.execArgv, process.env.NODE_OPTIONS)) await replay(specifier);
      } finally {
        delete process.env[REPLAYING];
      }
    })().then(() => {
      preloaded = true;
    });
  }
  return preloading;
}

async function replay(specifier: string): Promise<void> {
  try {
    await runPreload(specifier);
  } catch (error) {
    throw new Failure(
      ErrorCodes.MODULE,
      `The caller's preload --import ${specifier} failed when the worker ran it (the worker runs the caller's --import modules, ` +
        `as Node does not for eval'd workers): ${error instanceof Error ? error.message : String(error)}. ` +
        'If the worker does not need it, leave it out of the execArgv option, or, when it comes from NODE_OPTIONS, ' +
        'pass an env option whose NODE_OPTIONS lacks it (the worker reads NODE_OPTIONS from its own environment).',
      error,
    );
  }
}

/** In a worker process: Node ran the preloads itself at start (the process has the caller's flags). */
export function preloadsRanAtStart(): void {
  hideScriptGlobals();
  preloading = Promise.resolve();
  preloaded = true;
}

/** Runs fn once the preloads have run: synchronously when they already have (the hot path). */
export function afterPreloads<T>(fn: () => T): T | Promise<T> {
  return preloaded ? fn() : ensurePreloads().then(fn);
}
