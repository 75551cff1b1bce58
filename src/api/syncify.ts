/** syncify(): a module's exports as synchronous functions. */
import { bridgeFor, moveToProcess } from './bridges.js';
import { threadOnlyFailure } from '../strategy/choose.js';
import type { CallSite } from '../session/bridge.js';
import { pointAtCaller, SyncBridgeError } from '../errors.js';
import { checkOptions, callSettings, workerOptionsOf, type CallSettings, type SyncifyOptions } from '../config/options.js';
import { Op } from '../wire/protocol.js';
import { resolveModuleUrl } from './resolve-module.js';
import type { Syncified } from './types.js';
import { fileURLToPath } from 'node:url';

/** Property names that tools probe on any object (promises, test matchers, React, serializers). */
const PROBES = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'constructor', 'prototype', '__esModule', 'inspect']);

/**
 * Makes every exported function of a module callable synchronously. The module is any plain ES or
 * CommonJS module (no wrapper needed), named by a URL, a file: URL string, an absolute path or a package
 * name. Nothing starts until the first call; the worker is shared with every other syncify()/runSync() of
 * this thread.
 *
 * ```ts
 * const client = syncify<typeof import('./client.js')>(new URL('./client.js', import.meta.url), { timeout: 5_000 });
 * const user = client.fetchUser(1);
 * ```
 */
export function syncify<T = Record<string, any>>(module: string | URL, options?: SyncifyOptions): Syncified<T> {
  let checked: SyncifyOptions, url: string, settings: CallSettings;
  try {
    checked = checkOptions(options, 'syncify()');
    url = resolveModuleUrl(module);
    settings = callSettings(checked);
  } catch (error) {
    // Point the stack at the user's syncify() call, not at our validation code.
    if (error instanceof SyncBridgeError) pointAtCaller(error, syncify);
    throw error;
  }
  const workerOptions = workerOptionsOf(checked);
  let bridge = bridgeFor(workerOptions, url);
  const where = url.startsWith('file:') ? fileURLToPath(url) : url;

  /** A call of this module; under 'auto', one that cannot load in a thread moves to a worker process, once. */
  const call = (op: Op, key: string, args: unknown[], site: CallSite): unknown => {
    try {
      return bridge.call(op, url, key, args, settings, site);
    } catch (error) {
      const reason = threadOnlyFailure(error, bridge);
      if (!reason) throw error;
      moveToProcess(url, reason);
      bridge = bridgeFor(workerOptions, url);
      return bridge.call(op, url, key, args, settings, site);
    }
  };

  const functions = new Map<string, (...args: unknown[]) => unknown>();
  const functionFor = (name: string) => {
    let fn = functions.get(name);
    if (!fn) {
      const site = { label: `${name}() from ${where}`, entry: undefined as unknown as (...args: never[]) => unknown };
      const construction = { label: `new ${name}() from ${where}`, entry: site.entry };
      // A named function, so stack traces and fn.name read like the export. `new` on it builds an exported
      // class in the worker and returns a proxy of the instance (remote/proxies.ts).
      fn = {
        [name]: function (...args: unknown[]) {
          if (new.target) return call(Op.CONSTRUCT, name, args, construction);
          return call(Op.CALL, name, args, site);
        },
      }[name]!;
      site.entry = fn;
      construction.entry = fn;
      fn = withStaticMethods(fn, name);
      functions.set(name, fn);
    }
    return fn;
  };

  // `Client.fromEnv()`, `axios.get()`: a method of the export itself runs in the worker too. The stub stays a
  // plain function (a call through a Proxy wrapper costs every call); what it does not have itself is looked
  // up on its prototype, a Proxy that makes member stubs and leaves Function.prototype's own members alone.
  const withStaticMethods = (fn: (...args: unknown[]) => unknown, name: string) => {
    const members = new Map<string, (...args: unknown[]) => unknown>();
    const statics = new Proxy(Object.create(Function.prototype) as object, {
      get(base, property, receiver) {
        if (typeof property === 'symbol' || property in base) return Reflect.get(base, property, receiver);
        if (PROBES.has(property)) return undefined;
        let member = members.get(property);
        if (!member) {
          const site = { label: `${name}.${property}() from ${where}`, entry: undefined as unknown as (...args: never[]) => unknown };
          member = { [property]: (...args: unknown[]) => call(Op.CALL_MEMBER, name, [property, ...args], site) }[property]!;
          site.entry = member;
          members.set(property, member);
        }
        return member;
      },
    });
    Object.setPrototypeOf(fn, statics);
    return fn;
  };

  let exportList: Array<[string, string]> | undefined;
  const functionExports = (): string[] => {
    exportList ??= call(Op.EXPORTS, '', [], { label: `the exports of ${where}`, entry: functionExports }) as Array<[string, string]>;
    return exportList.filter(([name, kind]) => (kind === 'function' || kind === 'class') && name !== 'then').map(([name]) => name);
  };

  const target = Object.create(null) as object;
  return new Proxy(target, {
    get(_, property) {
      if (typeof property === 'symbol') return property === Symbol.toStringTag ? 'Syncified' : undefined;
      if (property === 'then') return undefined;
      if (PROBES.has(property) && !(exportList && functionExports().includes(property))) return undefined;
      return functionFor(property);
    },
    has(_, property) {
      return typeof property === 'string' && functionExports().includes(property);
    },
    ownKeys() {
      return functionExports();
    },
    getOwnPropertyDescriptor(_, property) {
      if (typeof property !== 'string' || !functionExports().includes(property)) return undefined;
      return { value: functionFor(property), writable: false, enumerable: true, configurable: true };
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
    deleteProperty() {
      return false;
    },
  }) as Syncified<T>;
}
