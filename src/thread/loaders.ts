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
import { nodePreloads } from '../env/node-flags.js';
import { detectRuntime, readEnv } from '../env/runtime.js';
import { loadsTsNode, TS_NODE_BIN, TS_NODE_INDEX, tsNodeRegistered } from '../env/ts-node.js';

/** Whether the caller's flags (NODE_OPTIONS, then the command line) already load ts-node: the worker has it. */
function flagsLoadTsNode(): boolean {
  return nodePreloads(process.execArgv, readEnv('NODE_OPTIONS')).some((preload) => loadsTsNode(preload.module));
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
  if (!tsNodeRegistered() || flagsLoadTsNode()) return undefined;
  const register = loadedTsNodeRegister();
  return register ? [...process.execArgv.filter((arg) => !TS_NODE_BIN.test(arg)), '--require', register] : undefined;
}
