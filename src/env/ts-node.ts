/**
 * How ts-node shows itself, in one place: the mark its register() leaves on the process, and the names by
 * which a flag or a file belongs to it. Read by the caller (loaders.ts, the doctor) and the worker
 * (worker/modules.ts). Imports nothing.
 */

/** The property ts-node's register() sets on `process` (ts-node/src/index.ts: REGISTER_INSTANCE). */
const REGISTER_INSTANCE = Symbol.for('ts-node.register.instance');

/** Whether ts-node registered itself in this thread (`-r ts-node/register`, the `ts-node` command, register()). */
export function tsNodeRegistered(): boolean {
  return (process as unknown as Record<symbol, unknown>)[REGISTER_INSTANCE] !== undefined;
}

/**
 * Whether a preload (a flag's value) loads ts-node: `ts-node/register`, `ts-node/esm`, a path into
 * `node_modules/ts-node/`, or the `data:` URL ts-node's docs give for --import (`register("ts-node/esm", ...)`).
 * "ts-node" as a whole name, not a part of another one (ts-node-dev, my-ts-node).
 */
export function loadsTsNode(specifier: string): boolean {
  return /(?<![\w-])ts-node(?![\w-])/.test(specifier);
}

/** ts-node's main file, as a loaded module's path: …/ts-node/dist/index.js. */
export const TS_NODE_INDEX = /[\\/]ts-node[\\/]dist[\\/]index\.js$/;

/** The `ts-node` command puts its own bin.js into process.execArgv (for child processes); not a flag. */
export const TS_NODE_BIN = /[\\/]ts-node[\\/]dist[\\/]bin[\w-]*\.js$/;
