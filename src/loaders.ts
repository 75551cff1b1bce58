/**
 * In the calling thread: loaders the caller installed at run time, which a worker cannot inherit through
 * its flags. The worker replays the caller's --import preloads itself (worker/preloads.ts) and Node gives
 * it the caller's --require preloads and --loader hooks; what is left is a loader registered by code.
 *
 * Today that is ts-node's CommonJS hook when the program was started by the `ts-node` command (or called
 * `require('ts-node').register()`): process.execArgv is empty, yet the caller require()s .ts files. The
 * worker then gets `--require <that ts-node>/register`, which reads the same tsconfig.json (from the current
 * directory) and TS_NODE_* variables.
 */
import fs from 'node:fs';
// Through the namespace, as in resolve-module.ts: webpack rewrites a bare createRequire(x) call and warns.
import * as nodeModule from 'node:module';
import path from 'node:path';
import { detectRuntime } from './env/runtime.js';
import { splitNodeOptions } from './worker/preloads.js';

const TS_NODE_INSTANCE = Symbol.for('ts-node.register.instance');
const TS_NODE_INDEX = /[\\/]ts-node[\\/]dist[\\/]index\.js$/;

const LOADER_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);
/** The `ts-node` command puts its own bin.js into process.execArgv (for child processes); not a flag. */
const TS_NODE_BIN = /[\\/]ts-node[\\/]dist[\\/]bin[\w-]*\.js$/;

/** Whether the caller's flags (NODE_OPTIONS, then the command line) already load ts-node: the worker has it. */
function flagsLoadTsNode(): boolean {
  const flags = [...splitNodeOptions(process.env.NODE_OPTIONS ?? ''), ...process.execArgv];
  return flags.some((flag, i) => {
    const [name, value = flags[i + 1]] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag];
    return LOADER_FLAGS.has(name!) && /ts-node/.test(value ?? '');
  });
}

/** register/index.js of the ts-node copy this process loaded, if any. */
function loadedTsNodeRegister(): string | undefined {
  const cache = nodeModule.createRequire(path.join(process.cwd(), 'syncbridge.js')).cache;
  for (const file of Object.keys(cache)) {
    if (TS_NODE_INDEX.test(file)) {
      const register = path.join(path.dirname(file), '..', 'register', 'index.js');
      if (fs.existsSync(register)) return register;
    }
  }
  return undefined;
}

/**
 * The execArgv for a worker when the user gave none: undefined (Node's own inheritance of the caller's
 * flags) unless the caller registered a loader at run time that the worker needs as a flag.
 */
export function defaultExecArgv(): string[] | undefined {
  if (detectRuntime().name !== 'node') return undefined;
  const registered = (process as unknown as Record<symbol, unknown>)[TS_NODE_INSTANCE] !== undefined;
  if (!registered || flagsLoadTsNode()) return undefined;
  const register = loadedTsNodeRegister();
  return register ? [...process.execArgv.filter((arg) => !TS_NODE_BIN.test(arg)), '--require', register] : undefined;
}
