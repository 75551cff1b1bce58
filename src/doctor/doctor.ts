/**
 * The doctor: what works in this runtime, thread and directory, measured rather than assumed. It starts a
 * worker through the same Bridge that syncify()/runSync() use (a private one, so it neither reuses
 * nor disturbs the caller's workers), times calls, and loads a tiny .ts module the way syncify() would.
 * `syncbridge doctor` (src/cli.ts) prints the report; diagnose() returns it.
 */
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { hasNodeFlag, nodePreloads, splitNodeOptions } from '../env/node-flags.js';
import { assertCanBlock, detectRuntime } from '../env/runtime.js';
import { loadsTsNode, tsNodeRegistered } from '../env/ts-node.js';
import { ErrorCodes, libraryError } from '../errors.js';
import { callSettings, type CallSettings } from '../config/options.js';
import { Op } from '../wire/protocol.js';
import { resolveModuleUrl } from '../api/resolve-module.js';
import { Bridge, type CallSite } from '../session/bridge.js';
import type { StrategyName } from '../session/link.js';
import { type Explanation, explain } from '../api/explain.js';

/** The package version, inlined at build time (scripts/build.mjs). */
declare const __SYNCBRIDGE_VERSION__: string;

export interface DoctorOptions {
  /** How many no-op calls to time for the round trip (after a short warm-up). Default 300. */
  calls?: number;
}

export interface ErrorInfo {
  code?: string;
  message: string;
}

export interface StrategyReport {
  name: 'worker-thread' | 'child-process';
  /** Whether this version of syncbridge implements the strategy at all. */
  available: boolean;
  /** Whether calls through it worked here, just now. */
  works: boolean;
  /** Why it does not work (or is not available). */
  reason?: string;
  error?: ErrorInfo;
  /** What was tried, in order: start, round trip, values. A failed check ends the list. */
  checks?: Array<{ name: string; ok: boolean; detail?: string; error?: ErrorInfo }>;
  /** Milliseconds from nothing to the answer of the first call: worker start included. */
  coldStartMs?: number;
  /** Round trip of a no-op syncify() call, in microseconds, over `calls` calls. */
  roundTrip?: { calls: number; medianMicros: number; p10Micros: number; p90Micros: number; minMicros: number; maxMicros: number };
}

export interface TypeScriptLoader {
  /** node-strip-types, node-transform-types, tsx, ts-node, bun, deno, or require-hook (unknown, .ts registered). */
  name: string;
  /** What gave it away: a flag, NODE_OPTIONS, process.features.typescript, ... */
  via: string;
  /**
   * Whether the worker has it too. Built-in support: yes. A preload flag carries over to the worker, but
   * whether the loader registers itself there (tsx does not) is told by the .ts probe: false when the
   * probe failed, true when only this loader can explain its success, 'unknown' otherwise.
   */
  inheritedByWorker: boolean | 'unknown';
}

export interface DoctorReport {
  syncbridge: string;
  /** True when at least one strategy works here (the CLI's exit code is 0 exactly then). */
  ok: boolean;
  runtime: {
    name: 'node' | 'bun' | 'deno';
    version: string;
    /** The Node.js version this runtime implements (process.versions.node). */
    nodeApi: string | null;
    platform: string;
    arch: string;
    execPath: string | null;
    execArgv: string[];
    nodeOptions: string | null;
    /**
     * Modules preloaded by flags, NODE_OPTIONS first and then execArgv (the order Node reads them), as Node
     * parses them (src/env/node-flags.ts), and whether they apply in syncbridge's worker (see preloadsOf).
     */
    preloads: Array<{ flag: string; module: string; from: 'execArgv' | 'NODE_OPTIONS'; runsInWorker: boolean }>;
  };
  /** Context for the timings: CPUs this process may use, and the 1-minute load average (null where unknown). */
  machine: { cpus: number | null; loadAverage: number | null };
  directory: { cwd: string | null; packageJson: string | null; type: 'module' | 'commonjs' | null };
  thread: { main: boolean; canBlock: boolean; reason?: string };
  /**
   * What a call without options gets: SYNCBRIDGE_TIMEOUT / SYNCBRIDGE_WARN_AFTER or the built-in defaults.
   * timeoutMs null means no limit. `problem`: a SYNCBRIDGE_* variable has a value its setting does not accept
   * (config/defaults.ts), so calls that read it fail here before they start, and why.
   */
  callDefaults: { timeoutMs: number | null; warnAfterMs: number | null; problem?: string };
  /** Node's permission model (--permission) or Deno's permissions, when they restrict this process. */
  permissions: { model: 'none' | 'node' | 'deno'; granted: Record<string, boolean> };
  strategies: StrategyReport[];
  /** What calls without options use here, and why (explain()): the decision strategy 'auto' makes. */
  choice: Explanation;
  typescript: {
    /** The loaders this process has, as far as can be seen from here (see notes). */
    loaders: TypeScriptLoader[];
    /** What Node's built-in type stripping does in this version, or null on other runtimes. */
    nodeTypeStripping: string | null;
    /** TypeScript tooling installed where this directory resolves packages, but not active. */
    installedNotActive: string[];
    /** A .ts module written to a temporary directory and loaded through the worker, as syncify() would. */
    probe: { loaded: boolean; module?: string; ms?: number; error?: ErrorInfo; skipped?: string };
    /** What to do about a failed probe, where the doctor knows. */
    hint?: string;
  };
  /** What could not be determined here, and why. */
  notes: string[];
}

const NOOP_MODULE = 'data:text/javascript,export function noop() {}\nexport function echo(value) { return value; }\n';
const PROBE_SOURCE = 'interface Pair { a: number; b: number }\nexport function add({ a, b }: Pair): number {\n  return a + b;\n}\n';
/** Calls before timing starts: the first ones pay for JIT compilation on both sides. */
const WARM_UP = 100;
/** Generous: a cold start under a heavy loader (ts-node) on a slow machine takes seconds. */
const SETTINGS: CallSettings = { timeout: 30_000, warnAfter: 0 };

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: error.message } : { message: error.message };
  }
  return { message: String(error) };
}

/** A value that may be refused (Deno without --allow-env, a permission model): undefined plus a note. */
function attempt<T>(what: string, notes: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    notes.push(`${what}: cannot be determined here (${errorInfo(error).message.split('\n')[0]})`);
    return undefined;
  }
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function permissionsOf(runtime: DoctorReport['runtime']['name'], notes: string[]): DoctorReport['permissions'] {
  if (runtime === 'deno') {
    const deno = (globalThis as { Deno?: { permissions: { querySync(d: { name: string }): { state: string } } } }).Deno!;
    const granted: Record<string, boolean> = {};
    for (const name of ['read', 'write', 'env', 'run', 'sys', 'net', 'ffi']) {
      const state = attempt(`Deno permission "${name}"`, notes, () => deno.permissions.querySync({ name }).state);
      if (state !== undefined) granted[name] = state === 'granted';
    }
    return { model: 'deno', granted };
  }
  const permission = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission;
  if (!permission) return { model: 'none', granted: {} };
  const granted: Record<string, boolean> = {};
  for (const scope of ['worker', 'child', 'fs.read', 'fs.write']) {
    const has = attempt(`permission "${scope}"`, notes, () => permission.has(scope));
    if (has !== undefined) granted[scope] = has;
  }
  return { model: 'node', granted };
}

function directoryOf(notes: string[]): DoctorReport['directory'] {
  const cwd = attempt('the current directory', notes, () => process.cwd()) ?? null;
  if (!cwd) return { cwd, packageJson: null, type: null };
  return (
    attempt('the nearest package.json', notes, () => {
      for (let dir = cwd; ; dir = path.dirname(dir)) {
        const file = path.join(dir, 'package.json');
        if (fs.existsSync(file)) {
          const type = (JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: unknown }).type;
          return { cwd, packageJson: file, type: type === 'module' ? ('module' as const) : ('commonjs' as const) };
        }
        if (path.dirname(dir) === dir) return { cwd, packageJson: null, type: null };
      }
    }) ?? { cwd, packageJson: null, type: null }
  );
}

/**
 * Node runs --require preloads in every worker, and --loader hooks serve every thread. It runs --import
 * preloads only in workers started from a file, and syncbridge starts its worker from source (eval: true),
 * so the worker replays them itself before its first call (src/worker/preloads.ts): all of them apply there.
 */
function preloadsOf(execArgv: readonly string[], nodeOptions: string | null): DoctorReport['runtime']['preloads'] {
  return nodePreloads(execArgv, nodeOptions ?? undefined).map(({ flag, module, from }) => ({ flag, module, from, runsInWorker: true }));
}

const TSX = /(?:^|[\\/=:])tsx(?:[\\/]|$)/;

function nodeTypeStripping(version: string, features: Record<string, unknown>, flags: string[]): { mode: string | false; text: string } {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const typescript = features.typescript;
  if (typeof typescript === 'string') return { mode: typescript, text: `on: process.features.typescript = "${typescript}"` };
  if (typescript === false) return { mode: false, text: 'off: process.features.typescript = false (--no-experimental-strip-types?)' };
  // Node 22.6 to 22.9 have the flag but not process.features.typescript.
  if (major > 22 || (major === 22 && minor >= 6)) {
    if (hasNodeFlag(flags, '--experimental-transform-types')) return { mode: 'transform', text: 'on: --experimental-transform-types' };
    if (hasNodeFlag(flags, '--experimental-strip-types')) return { mode: 'strip', text: 'on: --experimental-strip-types' };
    return { mode: false, text: `off: Node ${version} strips types only with --experimental-strip-types` };
  }
  return { mode: false, text: `not in Node ${version} (built-in type stripping arrived in 22.6, on by default from 22.18 and 23.6)` };
}

/** Tools installed where this directory resolves packages (a node_modules up the tree). */
function installedTools(cwd: string | null): string[] {
  if (!cwd) return [];
  const found: string[] = [];
  for (const name of ['tsx', 'ts-node', '@swc-node/register', 'esbuild-register', 'typescript']) {
    for (let dir = cwd; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'))) {
        found.push(name);
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return found;
}

function typescriptLoaders(report: Pick<DoctorReport, 'runtime'>, notes: string[]): { loaders: TypeScriptLoader[]; stripping: string | null } {
  const { name, version, execArgv, nodeOptions, preloads } = report.runtime;
  if (name === 'bun') return { loaders: [{ name: 'bun', via: 'Bun runs TypeScript natively', inheritedByWorker: true }], stripping: null };
  if (name === 'deno') return { loaders: [{ name: 'deno', via: 'Deno runs TypeScript natively', inheritedByWorker: true }], stripping: null };

  const loaders: TypeScriptLoader[] = [];
  const features = (process as unknown as { features: Record<string, unknown> }).features ?? {};
  const stripping = nodeTypeStripping(version, features, [...execArgv, ...splitNodeOptions(nodeOptions ?? undefined)]);
  if (stripping.mode) {
    loaders.push({ name: stripping.mode === 'transform' ? 'node-transform-types' : 'node-strip-types', via: stripping.text, inheritedByWorker: true });
  }
  for (const { module: preload, from: where } of preloads) {
    const tool = TSX.test(preload) ? 'tsx' : loadsTsNode(preload) ? 'ts-node' : /swc|esbuild|oxc|jiti|sucrase|babel/i.test(preload) ? 'other' : undefined;
    if (tool && !loaders.some((l) => l.name === tool && l.via.includes(where))) {
      loaders.push({ name: tool === 'other' ? preload : tool, via: `${preload} preloaded in ${where}`, inheritedByWorker: 'unknown' });
    }
  }
  // ts-node's register() marks the process; syncbridge passes its hook to the worker as --require (loaders.ts).
  if (tsNodeRegistered() && !loaders.some((l) => l.name === 'ts-node')) {
    loaders.push({ name: 'ts-node', via: 'ts-node registered in this process (not through a flag)', inheritedByWorker: 'unknown' });
  }
  const extensions = (Module as unknown as { _extensions?: Record<string, unknown> })._extensions;
  if (extensions?.['.ts'] && !loaders.some((l) => l.name === 'tsx' || l.name === 'ts-node')) {
    loaders.push({ name: 'require-hook', via: 'a require() hook for .ts is registered in this process', inheritedByWorker: 'unknown' });
  }
  notes.push('TypeScript hooks registered from code (module.register()) cannot be seen from here; the .ts probe shows what the worker does.');
  return { loaders, stripping: stripping.text };
}

/** What to do when no loader is active and a .ts module does not load. */
function loaderAdvice(runtime: DoctorReport['runtime'], installed: string[]): string | undefined {
  if (installed.includes('tsx')) {
    return 'tsx is installed here but not active: run under it, e.g. NODE_OPTIONS="--import tsx" npx syncbridge doctor (syncbridge replays --import preloads in its worker).';
  }
  if (installed.includes('ts-node')) {
    return 'ts-node is installed here but not active: run under its loader, e.g. NODE_OPTIONS="--loader ts-node/esm" npx syncbridge doctor.';
  }
  if (runtime.name !== 'node') return undefined; // Bun and Deno always have their own loader
  const [major = 0, minor = 0] = runtime.version.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 6)) {
    return `Node 22.18+ loads .ts by itself; on Node ${runtime.version} run under tsx (NODE_OPTIONS="--import tsx") or ts-node's loader (NODE_OPTIONS="--loader ts-node/esm").`;
  }
  const flags = [...runtime.execArgv, ...splitNodeOptions(runtime.nodeOptions ?? undefined)];
  if (hasNodeFlag(flags, '--no-experimental-strip-types')) return `--no-experimental-strip-types turns Node's own TypeScript support off.`;
  return `start Node with --experimental-strip-types (the worker inherits the flag).`;
}

/** What the probe says about loaders that are not built in (see TypeScriptLoader.inheritedByWorker). */
function settleInheritance(typescript: DoctorReport['typescript']): void {
  const { probe, loaders } = typescript;
  if (probe.skipped) return;
  const native = loaders.some((l) => l.inheritedByWorker === true);
  const others = loaders.filter((l) => l.inheritedByWorker === 'unknown');
  for (const loader of others) {
    if (!probe.loaded) loader.inheritedByWorker = false;
    else if (!native && others.length === 1) loader.inheritedByWorker = true;
  }
  if (!probe.loaded && loaders.some((l) => l.name === 'tsx')) {
    typescript.hint =
      "tsx is preloaded here, yet the .ts module did not load in syncbridge's worker, which replays --import preloads " +
      'and registers tsx through tsx/esm/api: check that the tsx package is installed where the program runs. ' +
      "Node 22.18+ loads plain .ts itself; on older Node, ts-node's loader (--loader ts-node/esm) works too.";
  }
}

class Probe {
  readonly bridge: Bridge;
  constructor(strategy: StrategyName) {
    this.bridge = new Bridge({ strategy });
  }
  #site(label: string): CallSite {
    const site: CallSite = { label, entry: undefined as unknown as CallSite['entry'] };
    site.entry = () => undefined;
    return site;
  }
  call(url: string, name: string, args: unknown[]): unknown {
    return this.bridge.call(Op.CALL, url, name, args, SETTINGS, this.#site(`doctor: ${name}()`));
  }
  run(source: string): unknown {
    return this.bridge.call(Op.RUN, source, '', [], SETTINGS, this.#site('doctor: runSync()'));
  }
}

const firstLine = (text: string) => text.split('\n')[0]!;

/** A short why, for people; the check's error carries the details. */
function whyWorkersFail(report: Pick<DoctorReport, 'permissions'>, step: string, failedValues: string[]): string {
  const { model, granted } = report.permissions;
  if (model === 'node' && granted.worker === false) {
    return "Node's permission model is on (--permission) without --allow-worker, so no worker thread can start";
  }
  if (step === 'values') return `some values do not cross: ${failedValues.join(', ')}`;
  if (model === 'deno' && Object.values(granted).includes(false)) {
    return `the ${step} check failed under Deno's permissions (denied: ${Object.keys(granted)
      .filter((k) => !granted[k])
      .join(', ')})`;
  }
  return step === 'start' ? 'no worker could start, or it could not answer' : `the ${step} check failed`;
}

/** Values of each kind a user may send, and how to tell that one came back intact. */
const VALUE_CHECKS: Array<[kind: string, make: () => unknown, intact: (back: unknown) => boolean]> = [
  ['plain data', () => ({ list: [1, 'two', null, true], nested: { n: 1.5 } }), (b) => JSON.stringify(b) === '{"list":[1,"two",null,true],"nested":{"n":1.5}}'],
  ['Date', () => new Date(86_400_000), (b) => b instanceof Date && b.getTime() === 86_400_000],
  ['BigInt', () => 10n ** 20n, (b) => b === 10n ** 20n],
  ['Map and Set', () => new Map([[1, new Set(['a'])]]), (b) => b instanceof Map && (b.get(1) as Set<string> | undefined)?.has('a') === true],
  ['Uint8Array', () => new Uint8Array([1, 2, 3]), (b) => b instanceof Uint8Array && b.length === 3 && b[2] === 3],
  ['Error', () => new TypeError('probe'), (b) => b instanceof TypeError && b.message === 'probe'],
  ['100 KB string (past the shared area)', () => 'x'.repeat(100_000), (b) => typeof b === 'string' && b.length === 100_000],
];

function check(strategy: StrategyReport, name: string, run: () => string | undefined): boolean {
  try {
    const detail = run();
    strategy.checks!.push(detail === undefined ? { name, ok: true } : { name, ok: true, detail });
    return true;
  } catch (error) {
    strategy.checks!.push({ name, ok: false, error: errorInfo(error) });
    return false;
  }
}

/** Starts a worker, times no-op calls, sends values of each kind there and back. */
/** Tries one strategy for real: start, round trip, values. Each through its own private bridge. */
function probeStrategy(probe: Probe, report: Pick<DoctorReport, 'thread' | 'permissions'>, calls: number): StrategyReport {
  const which = probe.bridge.choice.considered.find((c) => c.strategy === probe.bridge.options.strategy)!;
  // Deno's node:fs cannot read a child's socket synchronously: this version has no process strategy there.
  const available = which.strategy === 'thread' || detectRuntime().name !== 'deno';
  const strategy: StrategyReport = { name: which.strategy === 'thread' ? 'worker-thread' : 'child-process', available, works: false, checks: [] };
  if (!available) {
    strategy.reason = which.reason;
    return strategy;
  }
  if (!report.thread.canBlock) {
    strategy.reason = `this thread cannot block: ${report.thread.reason ?? 'Atomics.wait is not allowed'}`;
    return strategy;
  }
  const started = check(strategy, 'start', () => {
    const begin = performance.now();
    const answer = probe.run('() => 42');
    if (answer !== 42) throw new Error(`the first call returned ${String(answer)}, not 42`);
    strategy.coldStartMs = round(performance.now() - begin, 1);
    return `${which.strategy === 'thread' ? 'worker' : 'process'} start + first call: ${strategy.coldStartMs} ms`;
  });
  const timed =
    started &&
    check(strategy, 'round trip', () => {
      for (let i = 0; i < WARM_UP; i++) probe.call(NOOP_MODULE, 'noop', []);
      const times = new Array<number>(calls);
      for (let i = 0; i < calls; i++) {
        const begin = performance.now();
        probe.call(NOOP_MODULE, 'noop', []);
        times[i] = (performance.now() - begin) * 1000;
      }
      times.sort((a, b) => a - b);
      strategy.roundTrip = {
        calls,
        medianMicros: round(quantile(times, 0.5), 2),
        p10Micros: round(quantile(times, 0.1), 2),
        p90Micros: round(quantile(times, 0.9), 2),
        minMicros: round(times[0]!, 2),
        maxMicros: round(times[calls - 1]!, 2),
      };
      return `median of ${calls} no-op calls: ${strategy.roundTrip.medianMicros} µs`;
    });
  // Last: a value the wire cannot carry may cost the worker (the bridge then starts a fresh one).
  const failed: string[] = [];
  const intact =
    timed &&
    check(strategy, 'values', () => {
      const errors: string[] = [];
      for (const [kind, make, isIntact] of VALUE_CHECKS) {
        try {
          if (!isIntact(probe.call(NOOP_MODULE, 'echo', [make()]))) failed.push(`${kind} (came back changed)`);
        } catch (error) {
          failed.push(kind);
          errors.push(`${kind}: ${firstLine(errorInfo(error).message)}`);
        }
      }
      if (failed.length) throw new Error(`did not cross intact: ${failed.join(', ')}${errors.length ? `. First error, ${errors[0]}` : ''}`);
      return VALUE_CHECKS.map(([kind]) => kind).join(', ');
    });
  strategy.works = intact;
  const failure = strategy.checks!.find((c) => !c.ok);
  if (failure?.error) {
    strategy.error = failure.error;
    strategy.reason =
      which.strategy === 'thread' ? whyWorkersFail(report, failure.name, failed) : which.usable ? `the ${failure.name} check failed` : which.reason;
  }
  return strategy;
}

function probeTypeScript(probe: Probe | undefined, notes: string[]): DoctorReport['typescript']['probe'] {
  if (!probe) return { loaded: false, skipped: 'no worker could start here, so no module can be loaded through syncbridge' };
  let dir: string | undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-doctor-'));
    // "type": "module" so the probe tests TypeScript, not the module-format detection of the runtime.
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    fs.writeFileSync(path.join(dir, 'probe.ts'), PROBE_SOURCE);
  } catch (error) {
    notes.push(`the .ts probe could not be written to a temporary directory (${errorInfo(error).message.split('\n')[0]})`);
    return { loaded: false, skipped: 'cannot write a temporary file here', error: errorInfo(error) };
  }
  const file = path.join(dir, 'probe.ts');
  try {
    const started = performance.now();
    const sum = probe.call(resolveModuleUrl(file), 'add', [{ a: 2, b: 3 }]);
    const ms = round(performance.now() - started, 1);
    if (sum !== 5) return { loaded: false, module: file, ms, error: { message: `add({ a: 2, b: 3 }) returned ${String(sum)}, not 5` } };
    return { loaded: true, module: file, ms };
  } catch (error) {
    return { loaded: false, module: file, error: errorInfo(error) };
  } finally {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // a temporary directory left behind is harmless
    }
  }
}

/**
 * Checks what syncbridge can do here, by doing it: starts a worker (a private one, stopped afterwards),
 * times `calls` no-op calls, and loads a small .ts module through it. Synchronous; takes well under a
 * second where workers start normally.
 */
export function diagnose(options: DoctorOptions = {}): DoctorReport {
  const calls = options.calls ?? 300;
  if (!Number.isInteger(calls) || calls < 1)
    throw libraryError(ErrorCodes.INVALID_ARG, `diagnose(): "calls" must be a positive integer; got ${String(calls)}.`, { entry: diagnose });
  const notes: string[] = [];
  const { name, version } = detectRuntime();
  const nodeOptions = name === 'deno' ? null : (attempt('NODE_OPTIONS', notes, () => process.env.NODE_OPTIONS) ?? null);
  const runtime: DoctorReport['runtime'] = {
    name,
    version,
    nodeApi: process.versions?.node ?? null,
    platform: process.platform,
    arch: process.arch,
    execPath: attempt('the runtime executable', notes, () => process.execPath) ?? null,
    execArgv: [...(process.execArgv ?? [])],
    nodeOptions,
    preloads: [],
  };
  if (name === 'node') {
    runtime.preloads = preloadsOf(runtime.execArgv, nodeOptions);
    if (runtime.preloads.some((p) => p.flag === '--import')) {
      notes.push(
        "--import preloads are replayed in syncbridge's worker before its first call (Node itself runs them only in workers " +
          'started from a file). Hooks your code registers at run time (module.register(), register() from tsx/esm/api) stay in ' +
          "their thread: pass execArgv: [...process.execArgv, '--import', 'tsx'] to carry them.",
      );
    }
  }
  const machine: DoctorReport['machine'] = {
    cpus: attempt('the number of CPUs', notes, () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length)) ?? null,
    loadAverage: attempt('the load average', notes, () => (process.platform === 'win32' ? null : round(os.loadavg()[0]!, 2))) ?? null,
  };
  if (name === 'bun') notes.push("Bun's preloads (--preload, bunfig.toml) are not inspected; the .ts probe shows what the worker does.");
  if (name === 'deno') notes.push("Deno's flags and configuration (deno.json) are not inspected beyond its permissions.");

  let thread: DoctorReport['thread'];
  try {
    assertCanBlock();
    thread = { main: isMainThread, canBlock: true };
  } catch (error) {
    thread = { main: isMainThread, canBlock: false, reason: errorInfo(error).message };
  }
  let callDefaults: DoctorReport['callDefaults'];
  try {
    const settings = callSettings({});
    callDefaults = { timeoutMs: Number.isFinite(settings.timeout) ? settings.timeout : null, warnAfterMs: settings.warnAfter };
  } catch (error) {
    callDefaults = { timeoutMs: null, warnAfterMs: null, problem: firstLine(errorInfo(error).message) };
  }
  const permissions = permissionsOf(name, notes);
  const directory = directoryOf(notes);

  const threadProbe = new Probe('thread');
  const processProbe = new Probe('process');
  const workerThread = probeStrategy(threadProbe, { thread, permissions }, calls);
  const childProcess = probeStrategy(processProbe, { thread, permissions }, calls);
  const strategies = [workerThread, childProcess];
  const choice = explain();
  // The TypeScript probe runs where calls without options would: the strategy auto chose.
  const probe = choice.strategy === 'process' ? processProbe : threadProbe;
  const ok = strategies.some((s) => s.works);

  const { loaders, stripping } = typescriptLoaders({ runtime }, notes);
  const installed = attempt('installed TypeScript tools', notes, () => installedTools(directory.cwd)) ?? [];
  const active = new Set(loaders.map((l) => l.name));
  const typescript: DoctorReport['typescript'] = {
    loaders,
    nodeTypeStripping: stripping,
    installedNotActive: installed.filter((tool) => tool !== 'typescript' && !active.has(tool)),
    probe: probeTypeScript((probe === threadProbe ? workerThread : childProcess).checks?.[0]?.ok ? probe : undefined, notes),
  };
  if (!typescript.probe.loaded && !typescript.probe.skipped && !loaders.length) typescript.hint = loaderAdvice(runtime, typescript.installedNotActive);
  void threadProbe.bridge.close();
  void processProbe.bridge.close();
  settleInheritance(typescript);

  return { syncbridge: __SYNCBRIDGE_VERSION__, ok, runtime, machine, directory, thread, callDefaults, permissions, strategies, choice, typescript, notes };
}
