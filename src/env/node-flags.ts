/**
 * Node's flags, read the way Node reads them: the one NODE_OPTIONS splitter and the one flag parser of the
 * library. The caller (the doctor, the ts-node check in loaders.ts) and the worker (worker/preloads.ts, which
 * replays `--import` preloads) both ask here, so they cannot disagree about what a flag says.
 *
 * Imports nothing: the worker bundle and the caller's both carry it.
 */

/** NODE_OPTIONS split into arguments, and why Node would refuse the value (it then does not start at all). */
export interface SplitNodeOptions {
  args: string[];
  error?: 'unterminated string' | 'invalid escape';
}

/**
 * Splits NODE_OPTIONS exactly as Node does (ParseNodeOptionsEnvVar in Node's src/node_options.cc):
 * - arguments are separated by spaces only (a tab or a newline is part of an argument);
 * - a double quote starts or ends a quoted part and is dropped; quoted parts join the text around them
 *   (`--import="./my dir/x.mjs"` is one argument, `--import=./my dir/x.mjs`), and quotes alone (`""`) make no
 *   argument of their own;
 * - inside quotes, a backslash takes the next character as it is (`\"`, `\\`); outside quotes it is an ordinary
 *   character;
 * - an unterminated quote or a backslash that ends the value inside quotes is an error, reported with what was
 *   read up to there (Node refuses to start with such a NODE_OPTIONS).
 */
export function parseNodeOptions(value: string): SplitNodeOptions {
  const args: string[] = [];
  let quoted = false;
  let startsNew = true;
  for (let i = 0; i < value.length; i++) {
    let c = value[i]!;
    if (c === '\\' && quoted) {
      if (i + 1 === value.length) return { args, error: 'invalid escape' };
      c = value[++i]!;
    } else if (c === ' ' && !quoted) {
      startsNew = true;
      continue;
    } else if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (startsNew) {
      args.push(c);
      startsNew = false;
    } else {
      args[args.length - 1] += c;
    }
  }
  return quoted ? { args, error: 'unterminated string' } : { args };
}

/** The arguments of NODE_OPTIONS (none when it is unset), as Node splits them. */
export function splitNodeOptions(value: string | undefined): string[] {
  return value ? parseNodeOptions(value).args : [];
}

/** One flag as Node understands it. */
export interface NodeFlag {
  /** Node's own name for it: `-r` is `--require`, `--loader` and `--experimental_loader` are `--experimental-loader`. */
  name: string;
  /** As written, without its value: `-r`, `--import`, `--experimental_loader`. */
  written: string;
  /** Its value, from `--flag=value` or the argument after it; undefined for a flag given none. */
  value: string | undefined;
}

/** Short forms and aliases Node expands (the ones whose name matters here). */
const ALIASES: Record<string, string> = {
  '-r': '--require',
  '--loader': '--experimental-loader',
  '-e': '--eval',
  '-p': '--print',
  '-C': '--conditions',
};

/**
 * Parses Node flags (process.execArgv, or NODE_OPTIONS split by splitNodeOptions) as Node's option parser does:
 * - only a `--long` flag carries a value after `=` (`--import=x`; `-r=x` is not `-r x`: Node calls it a bad option);
 * - in a `--long` name, `_` is `-` (`--experimental_loader`);
 * - otherwise a flag's value is the next argument, which never starts with `-` (Node refuses `--import -x`);
 * - `--` ends the flags.
 * Arguments that are not flags, and not a flag's value, are skipped (execArgv and NODE_OPTIONS hold none).
 */
export function parseNodeFlags(argv: readonly string[]): NodeFlag[] {
  const flags: NodeFlag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    let written = arg;
    let value: string | undefined;
    const equals = arg.indexOf('=');
    if (arg.startsWith('--') && equals > 0) {
      written = arg.slice(0, equals);
      value = arg.slice(equals + 1);
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      value = argv[++i];
    }
    const normalised = written.startsWith('--') ? `--${written.slice(2).replaceAll('_', '-')}` : written;
    flags.push({ name: ALIASES[normalised] ?? normalised, written, value });
  }
  return flags;
}

/** Whether Node would see this boolean flag (`--experimental-strip-types`, also as `--experimental_strip_types`). */
export function hasNodeFlag(argv: readonly string[], name: string): boolean {
  return parseNodeFlags(argv).some((flag) => flag.name === name);
}

/** The flags that load code before the program: `--require` (`-r`), `--import`, `--experimental-loader` (`--loader`). */
export const PRELOAD_FLAGS = ['--require', '--import', '--experimental-loader'] as const;
export type PreloadFlag = (typeof PRELOAD_FLAGS)[number];

export interface NodePreload {
  /** Node's name for the flag. */
  kind: PreloadFlag;
  /** The flag as written (`-r`, `--loader`, ...). */
  flag: string;
  /** What it loads, as written: a path, a URL or a package name. */
  module: string;
  from: 'NODE_OPTIONS' | 'execArgv';
}

/**
 * Every module preloaded by flags, NODE_OPTIONS first and then the command line: the order in which Node reads
 * them (within each kind, that is the order they run; Node runs all --require preloads before --import ones).
 */
export function nodePreloads(execArgv: readonly string[], nodeOptions: string | undefined): NodePreload[] {
  const found: NodePreload[] = [];
  for (const [from, argv] of [
    ['NODE_OPTIONS', splitNodeOptions(nodeOptions)],
    ['execArgv', execArgv],
  ] as const) {
    for (const { name, written, value } of parseNodeFlags(argv)) {
      if (value && (PRELOAD_FLAGS as readonly string[]).includes(name)) {
        found.push({ kind: name as PreloadFlag, flag: written, module: value, from });
      }
    }
  }
  return found;
}

/**
 * Flags a child process started for the process strategy must not repeat: they would make it run the caller's
 * script, a REPL, a test run, a watcher or a second debugger on the same port, or read `-e` as an ES module.
 */
const NOT_FOR_A_CHILD =
  /^--(?:eval|print|interactive|check|input-type|test(?:-.*)?|watch(?:-.*)?|inspect(?:-.*)?|debug(?:-.*)?|experimental-test-.*|run|env-file(?:-if-exists)?)$|^-[ipc]$/;

/** The caller's flags as a child process should get them: everything that shapes modules and limits, not its script. */
export function flagsForChildProcess(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    const equals = arg.indexOf('=');
    const written = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const normalised = written.startsWith('--') ? `--${written.slice(2).replaceAll('_', '-')}` : written;
    const name = ALIASES[normalised] ?? normalised;
    // A separate value belongs to the flag before it (the same rule as parseNodeFlags).
    const takesNext = arg.startsWith('-') && equals < 0 && i + 1 < argv.length && !argv[i + 1]!.startsWith('-');
    if (NOT_FOR_A_CHILD.test(name)) {
      if (takesNext) i++;
      continue;
    }
    kept.push(arg);
    if (takesNext) kept.push(argv[++i]!);
  }
  return kept;
}
