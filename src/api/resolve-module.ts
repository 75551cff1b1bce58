/**
 * Turns what the user passed to syncify() into the URL the worker imports. The worker does not share the
 * caller's notion of "here", so a relative path is refused rather than guessed.
 */
import fs from 'node:fs';
// Namespace import: webpack rewrites a named createRequire(x).resolve(y) into a require context that finds
// nothing (and warns "Critical dependency"); through the namespace it is left to Node.
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, libraryError } from '../errors.js';

const RELATIVE = /^\.\.?(?:[\\/]|$)/;

export function resolveModuleUrl(specifier: unknown): string {
  if (specifier instanceof URL || (typeof specifier === 'object' && specifier !== null && typeof (specifier as URL).href === 'string')) {
    return checkScheme(new URL((specifier as URL).href));
  }
  if (typeof specifier !== 'string' || specifier === '') {
    throw libraryError(
      ErrorCodes.INVALID_ARG,
      `syncify() needs the module to load, as a URL, a file: URL string, an absolute path or a package name; got ${describe(specifier)}.`,
    );
  }
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(specifier) && !path.isAbsolute(specifier)) {
    return checkScheme(new URL(specifier));
  }
  if (path.isAbsolute(specifier)) return pathToFileURL(specifier).href;
  if (RELATIVE.test(specifier)) {
    throw libraryError(
      ErrorCodes.INVALID_ARG,
      `syncify("${specifier}"): a relative path is ambiguous, because the worker does not know which file it is ` +
        `relative to. Pass a URL relative to your file instead: syncify(new URL("${specifier}", import.meta.url)) ` +
        `in an ES module, or syncify(path.join(__dirname, "${specifier}")) in CommonJS. In a notebook or a REPL, ` +
        `which has neither, resolve it against the current directory yourself: syncify(path.resolve("${specifier}")).`,
    );
  }
  if (nodeModule.builtinModules.includes(specifier)) return `node:${specifier}`;
  return resolvePackage(specifier);
}

function describe(value: unknown): string {
  if (value === '') return 'an empty string';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function checkScheme(url: URL): string {
  if (url.protocol === 'file:' || url.protocol === 'node:' || url.protocol === 'data:') return url.href;
  throw libraryError(ErrorCodes.INVALID_ARG, `syncify() can load file:, node: and data: modules; got a ${url.protocol} URL (${url.href}).`);
}

/** A bare package name, resolved from the current directory as `import` would from a file there. */
function resolvePackage(specifier: string): string {
  const from = path.join(process.cwd(), 'syncbridge-resolve.js');
  try {
    return pathToFileURL(nodeModule.createRequire(from).resolve(specifier)).href;
  } catch (requireError) {
    // ESM-only packages publish no "require" entry: read their "exports"/"main" for import.
    const found = resolveEsmOnlyPackage(specifier);
    if (found) return found;
    throw libraryError(
      ErrorCodes.MODULE,
      `syncify("${specifier}"): cannot find package "${specifier}" from ${process.cwd()}. Install it there, or, if ` +
        `you meant a file, pass its URL: syncify(new URL("./${specifier}", import.meta.url)).`,
      { cause: requireError },
    );
  }
}

function resolveEsmOnlyPackage(specifier: string): string | undefined {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = ['.', ...parts.slice(nameLength)].join('/');
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const root = path.join(dir, 'node_modules', name);
    const manifestPath = path.join(root, 'package.json');
    if (fs.existsSync(manifestPath)) {
      const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { exports?: unknown; main?: string; module?: string };
      const target = manifest.exports !== undefined ? exportTarget(manifest.exports, subpath) : subpath === '.' ? (manifest.main ?? 'index.js') : subpath;
      return target ? pathToFileURL(path.join(root, target)).href : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const CONDITIONS = ['node', 'import', 'module-sync', 'default'];

function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  const entry = isSubpathMap ? (exports as Record<string, unknown>)[subpath] : subpath === '.' ? exports : undefined;
  return pickCondition(entry);
}

function pickCondition(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) return entry.map(pickCondition).find(Boolean);
  if (typeof entry === 'object' && entry !== null) {
    for (const [condition, value] of Object.entries(entry)) {
      if (CONDITIONS.includes(condition)) {
        const found = pickCondition(value);
        if (found) return found;
      }
    }
  }
  return undefined;
}
