/** Inside the worker: loading the syncified modules and finding their exports. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeLabel } from '../env/runtime.js';
import { tsNodeRegistered } from '../env/ts-node.js';
import { ErrorCodes } from '../errors.js';
import { Failure } from './failure.js';
import { ensurePreloads } from './preloads.js';

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

const TYPESCRIPT = /\.[cm]?tsx?$/;

const REGISTERED_IN_CODE =
  " A loader your program registers in code (tsx's register(), module.register()) stays in that thread: give it to the " +
  "worker as a flag, e.g. syncify(url, { execArgv: [...process.execArgv, '--import', 'tsx'] }).";

/** What to do about a module that did not load, when we know: said in the error message. */
export function loadHint(url: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const isTs = TYPESCRIPT.test(url.replace(/[?#].*$/, ''));
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && isTs) {
    const tsx = url.replace(/[?#].*$/, '').endsWith('x');
    return (
      ` ${runtimeLabel()} does not load TypeScript by itself here. Run your program under tsx (\`tsx app.mjs\` or ` +
      '`node --import tsx app.mjs`; the worker inherits it)' +
      (tsx ? '' : ', or use Node ≥ 22.6 with --experimental-strip-types (on by default from Node 22.18 and 23.6)') +
      ', or compile the module to .js.' +
      REGISTERED_IN_CODE
    );
  }
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return (
      " Node's type stripping only erases types; this module uses TypeScript that needs transforming (an enum, a " +
      'namespace, parameter properties). Add --experimental-transform-types, run your program under tsx, or compile it to .js.' +
      REGISTERED_IN_CODE
    );
  }
  if (code === 'ERR_MODULE_NOT_FOUND' && url.startsWith('file:')) {
    const source = typeScriptSource(fileURLToPath(url.replace(/[?#].*$/, '')));
    if (source) {
      return (
        ` There is ${source}: TypeScript's ".js" names map to ".ts" files only under a loader that does it (tsx, ts-node, Bun), ` +
        "not under Node's type stripping. Name the .ts file itself, or run your program under tsx."
      );
    }
  }
  if (code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') {
    return " Node does not strip types from files under node_modules: load the package's compiled .js, or run your program under tsx.";
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

const TS_SOURCE: Record<string, string> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts', '.jsx': '.tsx' };

/** For a missing ".js" file named the TypeScript way: the ".ts" file next to it, if there is one. */
function typeScriptSource(file: string): string | undefined {
  const ext = path.extname(file);
  const sibling = TS_SOURCE[ext] && file.slice(0, -ext.length) + TS_SOURCE[ext];
  return sibling && fs.existsSync(sibling) ? sibling : undefined;
}

function extensionOf(url: string): string {
  return path.extname(fileURLToPath(url));
}

/** "type" of the package.json nearest to a file, as Node reads it for .js/.ts files. */
function packageType(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * A CommonJS TypeScript file under ts-node's require hook (`-r ts-node/register`, which the worker inherits, so
 * ts-node registered in this thread too) is require()d, as the caller's own require() would load it: import()
 * would bypass the hook (Node 20 refuses the extension, later Nodes strip types themselves and reject what
 * needs compiling, such as an enum).
 */
function wantsRequire(url: string): boolean {
  if (!url.startsWith('file:') || !tsNodeRegistered()) return false;
  const ext = extensionOf(url);
  if (ext === '.cts') return true;
  return (ext === '.ts' || ext === '.tsx') && packageType(fileURLToPath(url)) !== 'module';
}

/** After import() refused the extension: a require hook for it (ts-node, esbuild-register, ...) may load it. */
function requireCanLoad(url: string, error: unknown): boolean {
  if (!url.startsWith('file:') || (error as { code?: unknown } | null)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') return false;
  const file = fileURLToPath(url);
  return typeof createRequire(file).extensions[path.extname(file)] === 'function';
}

/** module.exports, shaped as import() shapes a CommonJS module: the exports object is the default export. */
function requireNamespace(url: string): Record<string, unknown> {
  const file = fileURLToPath(url);
  return { default: createRequire(file)(file) as unknown };
}

async function importModule(url: string): Promise<Record<string, unknown>> {
  await ensurePreloads();
  if (wantsRequire(url)) return requireNamespace(url);
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (requireCanLoad(url, error)) return requireNamespace(url);
    throw error;
  }
}

function tableOf(namespace: Record<string, unknown>): ExportTable {
  const values = new Map<string, unknown>();
  const thisArgs = new Map<string, unknown>();
  // CommonJS arrives as `default` = module.exports: its properties are the module's real API. Functions
  // of a default-exported object are called on that object, as `exports.fn()` would be.
  const fallback = namespace.default;
  if (fallback !== null && (typeof fallback === 'object' || typeof fallback === 'function')) {
    const named = new Set(Object.keys(namespace));
    for (const key of Object.keys(fallback)) {
      // A getter of the default that a named export also provides is not read: the named export is the same
      // API, and the getter may run code (sass's default export warns that it is deprecated).
      if (named.has(key) && !('value' in (Object.getOwnPropertyDescriptor(fallback, key) ?? { value: 0 }))) continue;
      values.set(key, (fallback as Record<string, unknown>)[key]);
      thisArgs.set(key, fallback);
    }
  }
  for (const key of Object.keys(namespace)) {
    values.set(key, namespace[key]);
    // A CommonJS module's properties also appear as named exports (Node's lexer finds `exports.fn = ...`;
    // Bun and Deno list them all): the same function still expects module.exports as its `this`.
    if (!(thisArgs.has(key) && namespace[key] === (fallback as Record<string, unknown>)[key])) thisArgs.delete(key);
  }
  return { values, thisArgs };
}

export function loadModule(url: string): Promise<ExportTable> {
  let table = loaded.get(url);
  if (!table) {
    table = importModule(url).then(
      (namespace: Record<string, unknown>) => {
        const settled = tableOf(namespace);
        ready.set(url, settled);
        return settled;
      },
      (error: unknown) => {
        loaded.delete(url); // a module that failed to load is tried again by the next call
        if (error instanceof Failure) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        const hint = loadHint(url, error);
        const stop = hint && !/[.!?]$/.test(reason) ? '.' : '';
        throw new Failure(ErrorCodes.MODULE, `Could not load module ${shown(url)}: ${reason}${stop}${hint}`, error);
      },
    );
    loaded.set(url, table);
  }
  return table;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) return 'class';
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
