/**
 * Which strategy carries a bridge: a worker thread where one can serve, a child process where it cannot.
 * The decision is made from facts about this runtime, this thread and the options, before anything starts,
 * and kept as data (explain()); NODE_DEBUG=syncbridge logs it when it is made. A thread that fails to start
 * for a reason a process does not share (the permission model) moves the bridge to a process, and a module
 * that cannot load in a thread (a native addon that is not context-aware) moves to one (api/bridges.ts).
 */
import { debuglog } from 'node:util';
import { envStrategy, type StrategyOption } from '../config/defaults.js';
import type { WorkerOptions } from '../config/options.js';
import { ErrorCodes, libraryError, SyncBridgeError } from '../errors.js';
import { processUnavailable, startProcessLink } from '../process/process-link.js';
import type { Link, StrategyName } from '../session/link.js';
import { startThreadLink, threadUnavailable } from '../thread/thread-link.js';

export interface Consideration {
  strategy: StrategyName;
  /** Whether this strategy can serve here with these options. */
  usable: boolean;
  /** Why it was chosen, or why not. */
  reason: string;
}

/** A bridge's strategy, as data: explain() returns it. */
export interface Choice {
  /** What the options asked for: 'auto' unless `strategy` was given. */
  requested: StrategyOption;
  /** The strategy in use (or to be used); null when none can serve, and every call fails with the reasons. */
  strategy: StrategyName | null;
  /** Each strategy, in the order tried, with its reason. */
  considered: Consideration[];
}

const log = debuglog('syncbridge');

/** NODE_DEBUG=syncbridge: one line per decision, on stderr, when it is made. */
export function logDecision(text: string): void {
  log('%s', text);
}

export function choose(options: WorkerOptions): Choice {
  const requested = options.strategy ?? envStrategy() ?? 'auto';
  const thread = threadUnavailable(options);
  const process = processUnavailable(options);
  const considered: Consideration[] = [
    { strategy: 'thread', usable: thread === undefined, reason: thread ?? 'a worker thread can serve here: the fastest path' },
    { strategy: 'process', usable: process === undefined, reason: process ?? 'a child process can serve here' },
  ];
  let strategy: StrategyName | null;
  if (requested === 'auto') strategy = thread === undefined ? 'thread' : process === undefined ? 'process' : null;
  else strategy = considered.find((c) => c.strategy === requested)!.usable ? requested : null;
  const choice: Choice = { requested, strategy, considered };
  logDecision(describeChoice(choice));
  return choice;
}

/** One line: "strategy thread (auto): a worker thread can serve here; process: …". */
export function describeChoice(choice: Choice): string {
  const head = choice.strategy
    ? `strategy ${choice.strategy} (${choice.requested === 'auto' ? 'chosen by auto' : 'asked for'})`
    : `no strategy can serve (${choice.requested})`;
  return `${head}; ${choice.considered.map((c) => `${c.strategy}: ${c.usable ? 'usable' : 'not usable'}, ${c.reason}`).join('; ')}`;
}

const noun = (strategy: StrategyName) => (strategy === 'thread' ? 'a worker thread' : 'a worker process');
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** What to say when no strategy can serve: the first reason leads, then each other strategy's, then what would help. */
function noStrategy(choice: Choice): SyncBridgeError {
  const wanted = choice.requested === 'auto' ? choice.considered : choice.considered.filter((c) => c.strategy === choice.requested);
  const [first, ...rest] = wanted;
  const other = choice.requested === 'auto' ? undefined : choice.considered.find((c) => c.strategy !== choice.requested && c.usable);
  return libraryError(
    ErrorCodes.UNSUPPORTED,
    sentence(first!.reason) +
      rest.map((c) => ` ${noun(c.strategy).replace(/^a/, 'A')} cannot serve either: ${sentence(c.reason)}`).join('') +
      (other ? ` strategy: '${other.strategy}' would work here.` : ''),
  );
}

/**
 * Starts the chosen strategy's link. Under 'auto', a worker thread that the permission model refuses at start
 * (a check before start cannot always see it) moves the bridge to a child process, and the choice says why.
 */
export function startLink(choice: Choice, options: WorkerOptions): Link {
  if (choice.strategy === null) throw noStrategy(choice);
  if (choice.strategy === 'process') return startProcessLink(options);
  try {
    return startThreadLink(options);
  } catch (error) {
    const refused = error instanceof SyncBridgeError && error.code === ErrorCodes.UNSUPPORTED;
    const process = choice.considered.find((c) => c.strategy === 'process')!;
    if (choice.requested !== 'auto' || !refused || !process.usable) throw error;
    choice.strategy = 'process';
    choice.considered[0] = { strategy: 'thread', usable: false, reason: `it failed to start: ${error.message}` };
    logDecision(`the worker thread could not start, moving to a child process: ${error.message}`);
    return startProcessLink(options);
  }
}

/** The error's cause chain, outermost first (a few levels: that is where a load failure keeps its reason). */
function causes(error: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e as never);
  return chain;
}

/**
 * Why a module failed in a worker thread for a reason a worker process would not share, or undefined. Today:
 * a native addon that is not context-aware, which loads in one thread of a process only (the first to load it:
 * here the caller's main thread had), failing everywhere else with "Module did not self-register".
 */
export function threadOnlyFailure(error: unknown, bridge: { choice: Choice; running: StrategyName | undefined; options: WorkerOptions }): string | undefined {
  if (!(error instanceof SyncBridgeError) || error.code !== ErrorCodes.MODULE) return undefined;
  if (bridge.running !== 'thread' || bridge.choice.requested !== 'auto' || processUnavailable(bridge.options) !== undefined) return undefined;
  const addon = causes(error).find((e) => e.code === 'ERR_DLOPEN_FAILED' && /did not self-register/.test(String(e.message)));
  if (!addon) return undefined;
  return `it loads a native addon that is not context-aware, which a process can load in one thread only (${String(addon.message)})`;
}
