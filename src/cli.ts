/**
 * The `syncbridge` command. Built to dist/cli.mjs, which imports the library from ./index.mjs next to it:
 * the doctor exercises exactly the code a user's syncify() runs.
 *
 *   syncbridge doctor [--json] [--calls <n>]
 *
 * Exit codes: 0 at least one strategy works here; 1 none works (or the doctor itself failed); 2 usage error.
 */
import { diagnose, type DoctorReport } from './index.js';

declare const __SYNCBRIDGE_VERSION__: string;

const USAGE = `Usage: syncbridge <command> [options]

Commands:
  doctor         Check what works in this runtime and directory: whether this thread
                 can block, which strategies work (measured), which TypeScript loader
                 is active and whether a .ts module loads.

Options of doctor:
  --json         Print the report as JSON, for tools.
  --calls <n>    Number of no-op calls to time for the round trip (default 300).

Options:
  -h, --help     Show this help.
  -v, --version  Print the version.

Exit codes: 0 a strategy works here, 1 none works, 2 usage error.
Loaders in NODE_OPTIONS or in the runtime's flags are inherited by the worker and
checked too, e.g.  NODE_OPTIONS="--import tsx" npx syncbridge doctor
`;

class UsageError extends Error {}

function parse(args: string[]): { command: 'help' | 'version' | 'doctor'; json: boolean; calls: number | undefined } {
  if (args.some((a) => a === '-h' || a === '--help' || a === 'help')) return { command: 'help', json: false, calls: undefined };
  if (args.some((a) => a === '-v' || a === '--version')) return { command: 'version', json: false, calls: undefined };
  const [command, ...rest] = args;
  if (command === undefined) throw new UsageError('no command given.');
  if (command !== 'doctor') throw new UsageError(`unknown command "${command}".`);
  let json = false;
  let calls: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const callsMatch = /^--calls(?:=(.*))?$/.exec(arg);
    if (arg === '--json') json = true;
    else if (callsMatch) {
      const value = callsMatch[1] ?? rest[++i];
      calls = Number(value);
      if (!Number.isInteger(calls) || calls < 1 || calls > 1_000_000)
        throw new UsageError(`--calls needs a whole number from 1 to 1000000; got ${value ?? 'nothing'}.`);
    } else throw new UsageError(`unknown option "${arg}" for doctor.`);
  }
  return { command, json, calls };
}

function micros(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(1)} µs`;
}

const firstLine = (text: string) => text.split('\n')[0]!;

/** The report for people: sections, one fact a line, and what to do where something does not work. */
function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  const { runtime, directory, thread, permissions, strategies, typescript } = report;
  lines.push(`syncbridge ${report.syncbridge} doctor`, '');

  lines.push('Runtime');
  const nodeApi = runtime.name !== 'node' && runtime.nodeApi ? ` (Node API ${runtime.nodeApi})` : '';
  lines.push(`  ${runtime.name} ${runtime.version}${nodeApi} on ${runtime.platform}-${runtime.arch}`);
  if (runtime.execPath) lines.push(`  executable: ${runtime.execPath}`);
  if (runtime.name === 'node') {
    lines.push(`  execArgv: ${runtime.execArgv.length ? runtime.execArgv.join(' ') : '(none)'}`);
    lines.push(`  NODE_OPTIONS: ${runtime.nodeOptions ?? '(not set)'}`);
    for (const p of runtime.preloads) {
      lines.push(`  preload: ${p.flag} ${p.module} (${p.from}): ${p.runsInWorker ? 'runs in the worker too' : "does NOT run in syncbridge's worker"}`);
    }
  }
  const { cpus, loadAverage } = report.machine;
  lines.push(`  machine: ${cpus ?? 'unknown number of'} CPUs, load average ${loadAverage ?? 'unknown'}`);
  lines.push(`  directory: ${directory.cwd ?? '(unknown)'}`);
  if (directory.packageJson) lines.push(`  package.json: ${directory.packageJson} ("type": "${directory.type}")`);
  if (permissions.model !== 'none') {
    const entries = Object.entries(permissions.granted);
    const model = permissions.model === 'node' ? "Node's permission model" : 'Deno';
    lines.push(`  permissions (${model}): ${entries.length ? entries.map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ') : 'unknown'}`);
  }
  lines.push('');

  lines.push('This thread');
  lines.push(`  ${thread.main ? 'main thread' : 'worker thread'}; can block (Atomics.wait): ${thread.canBlock ? 'yes' : `no: ${thread.reason}`}`);
  const defaults = report.callDefaults;
  if (defaults.problem) {
    lines.push(`  calls fail here before they start: ${defaults.problem}`);
  } else {
    const timeout = defaults.timeoutMs === null ? 'none' : `${defaults.timeoutMs} ms`;
    const warn = defaults.warnAfterMs ? `every ${defaults.warnAfterMs} ms` : 'never';
    lines.push(`  calls without options: timeout ${timeout}, long-wait report ${warn} (SYNCBRIDGE_TIMEOUT, SYNCBRIDGE_WARN_AFTER)`);
  }
  lines.push('');

  lines.push('Strategies');
  const width = Math.max(...strategies.map((s) => s.name.length));
  for (const s of strategies) {
    const head = `  ${s.name.padEnd(width)}  `;
    if (!s.available) {
      lines.push(`${head}n/a: ${s.reason}`);
      continue;
    }
    lines.push(s.works ? `${head}works` : `${head}does NOT work: ${s.reason}`);
    for (const c of s.checks ?? []) {
      const label = `    ${c.name.padEnd(10)}  ${c.ok ? 'ok    ' : 'FAILED'}  `;
      if (c.name === 'round trip' && c.ok && s.roundTrip) {
        const rt = s.roundTrip;
        lines.push(`${label}median ${micros(rt.medianMicros)} (p10 ${micros(rt.p10Micros)}, p90 ${micros(rt.p90Micros)}) over ${rt.calls} no-op calls`);
      } else if (c.ok) {
        lines.push(`${label}${c.detail ?? ''}`);
      } else {
        lines.push(`${label}${c.error?.code ? `[${c.error.code}] ` : ''}${firstLine(c.error?.message ?? 'unknown error')}`);
      }
    }
  }
  const { choice } = report;
  lines.push(
    choice.strategy
      ? `  calls without options use: ${choice.strategy} (strategy '${choice.requested}')`
      : `  calls without options: no strategy can serve (strategy '${choice.requested}')`,
  );
  for (const c of choice.considered) lines.push(`    ${c.strategy.padEnd(8)} ${c.usable ? 'usable    ' : 'not usable'}  ${c.reason}`);
  for (const m of choice.modules) lines.push(`    moved to a process: ${m.module}: ${m.reason}`);
  lines.push('');

  lines.push('TypeScript');
  if (typescript.loaders.length) {
    for (const loader of typescript.loaders) {
      const inherited =
        loader.inheritedByWorker === 'unknown'
          ? 'the worker may have it too'
          : loader.inheritedByWorker
            ? 'the worker has it too'
            : 'the worker does NOT have it';
      lines.push(`  loader: ${loader.name} (${loader.via}; ${inherited})`);
    }
  } else {
    lines.push('  loader: none active');
  }
  if (typescript.nodeTypeStripping && !typescript.loaders.some((l) => l.name.startsWith('node-'))) {
    lines.push(`  Node's type stripping: ${typescript.nodeTypeStripping}`);
  }
  if (typescript.installedNotActive.length) lines.push(`  installed here but not active: ${typescript.installedNotActive.join(', ')}`);
  const { probe } = typescript;
  if (probe.loaded) {
    lines.push(`  a .ts module through syncify: loads (${probe.ms} ms)`);
  } else if (probe.skipped) {
    lines.push(`  a .ts module through syncify: not tried: ${probe.skipped}`);
  } else {
    lines.push(`  a .ts module through syncify: does NOT load: ${firstLine(probe.error?.message ?? 'unknown error')}`);
    if (typescript.hint) lines.push(`    ${typescript.hint}`);
  }
  lines.push('');

  if (report.notes.length) {
    lines.push('Notes');
    for (const note of report.notes) lines.push(`  - ${note}`);
    lines.push('');
  }

  const working = strategies.filter((s) => s.works).map((s) => s.name);
  const partly = strategies.filter((s) => !s.works && s.checks?.[0]?.ok).map((s) => s.name);
  lines.push(
    working.length
      ? `Result: OK, synchronous calls work here (${working.join(', ')}).`
      : partly.length
        ? `Result: FAILED, no strategy passes every check here (${partly.join(', ')} starts, but see above).`
        : 'Result: FAILED, no strategy works here: synchronous calls through syncbridge will fail.',
  );
  return lines.join('\n') + '\n';
}

function main(args: string[]): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`syncbridge: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.command === 'version') {
    process.stdout.write(`${__SYNCBRIDGE_VERSION__}\n`);
    return 0;
  }
  const report = diagnose(parsed.calls === undefined ? {} : { calls: parsed.calls });
  process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
