/** Inside the worker: loading the syncified modules and finding their exports. */
import { fileURLToPath } from 'node:url';
import { ErrorCodes } from '../errors.js';
import { Failure } from './failure.js';

/** A module's callable surface: export name → value, and the `this` its functions expect. */
export interface ExportTable {
  values: Map<string, unknown>;
  thisArgs: Map<string, unknown>;
}

const loaded = new Map<string, Promise<ExportTable>>();
/** The same tables once settled, for synchronous access on the hot path. */
const ready = new Map<string, ExportTable>();

export function loadedModule(url: string): ExportTable | undefined {
  return ready.get(url);
}

function shown(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url;
}

function loadHint(url: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(url)) {
    return ' A TypeScript module loads when the caller runs under a TypeScript loader (tsx, ts-node) or Node\'s type stripping (--experimental-strip-types on Node 22.6+); the worker inherits it.';
  }
  // Node's type stripping resolves imports as written: `import './helper'`, fine under a bundler or Vitest,
  // finds no file. Say so when a TypeScript module imported a relative path without an extension.
  const missing = code === 'ERR_MODULE_NOT_FOUND' && /Cannot find module '([^']+)' imported from (\S+)/.exec((error as Error).message);
  if (missing && /\.[cm]?tsx?$/.test(missing[2]!) && !/\.[a-z]+$/i.test(missing[1]!)) {
    return (
      `. Node's type stripping (which loads TypeScript in the worker) needs the file extension in relative imports:` +
      ` write "${missing[1]!.split(/[\\/]/).pop()}.ts" (tsconfig: "allowImportingTsExtensions" or "rewriteRelativeImportExtensions"),` +
      ` or run the caller under a TypeScript loader such as tsx (node --import tsx), which the worker inherits.`
    );
  }
  return '';
}

function tableOf(namespace: Record<string, unknown>): ExportTable {
  const values = new Map<string, unknown>();
  const thisArgs = new Map<string, unknown>();
  // CommonJS arrives as `default` = module.exports: its properties are the module's real API. Functions
  // of a default-exported object are called on that object, as `exports.fn()` would be.
  const fallback = namespace.default;
  if (fallback !== null && (typeof fallback === 'object' || typeof fallback === 'function')) {
    for (const key of Object.keys(fallback)) {
      values.set(key, (fallback as Record<string, unknown>)[key]);
      thisArgs.set(key, fallback);
    }
  }
  for (const key of Object.keys(namespace)) {
    values.set(key, namespace[key]);
    thisArgs.delete(key);
  }
  return { values, thisArgs };
}

export function loadModule(url: string): Promise<ExportTable> {
  let table = loaded.get(url);
  if (!table) {
    table = import(url).then(
      (namespace: Record<string, unknown>) => {
        const settled = tableOf(namespace);
        ready.set(url, settled);
        return settled;
      },
      (error: unknown) => {
      loaded.delete(url); // a module that failed to load is tried again by the next call
      const reason = error instanceof Error ? error.message : String(error);
        throw new Failure(ErrorCodes.MODULE, `Could not load module ${shown(url)}: ${reason}${loadHint(url, error)}`, error);
      },
    );
    loaded.set(url, table);
  }
  return table;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function listExports(table: ExportTable): Array<[name: string, kind: string]> {
  return [...table.values].map(([name, value]) => [name, kindOf(value)]);
}

export function findExport(table: ExportTable, url: string, name: string): { fn: (...args: unknown[]) => unknown; thisArg: unknown } {
  if (!table.values.has(name)) {
    const names = listExports(table).map(([n, kind]) => `${n} (${kind})`);
    throw new Failure(
      ErrorCodes.MODULE,
      `Module ${shown(url)} has no export named "${name}". ` + (names.length ? `Its exports are: ${names.join(', ')}.` : 'It has no exports.'),
    );
  }
  const fn = table.values.get(name);
  if (typeof fn !== 'function') {
    throw new Failure(
      ErrorCodes.MODULE,
      `Export "${name}" of ${shown(url)} is ${kindOf(fn) === 'object' ? 'an object' : `a ${kindOf(fn)}`}, not a function: only functions can be called through syncify.`,
    );
  }
  return { fn: fn as (...args: unknown[]) => unknown, thisArg: table.thisArgs.get(name) };
}
