// `syncbridge doctor --json` from the installed tarball on every runtime: it must run, say that synchronous
// calls work (exit 0, ok: true, the worker-thread strategy works with a measured round trip), and tell
// whether a .ts module loads where the runtime can load one.
const RUNTIMES = ['node20', 'node22', 'node24', 'node26', 'bun', 'deno'];

const installedProject = (ctx) => ctx.installedFixture('runtime-callers');

export const cells = RUNTIMES.map((runtime) => ({
  group: 'Doctor',
  name: '`syncbridge doctor --json` from the installed package',
  column: runtime,
  run(ctx) {
    const cli = 'node_modules/syncbridge/dist/cli.mjs';
    const args = runtime === 'deno' ? ['run', '-A', cli, 'doctor', '--json', '--calls', '50'] : [cli, 'doctor', '--json', '--calls', '50'];
    const result = ctx.run(ctx.runtime(runtime), args, { cwd: installedProject(ctx), timeout: 90_000 });
    if (result.status !== 0) return { status: 'fail', detail: result.summary() };
    const report = JSON.parse(result.stdout);
    const worker = report.strategies.find((s) => s.name === 'worker-thread');
    const problems = [];
    if (report.ok !== true) problems.push('ok is not true');
    if (!worker?.works) problems.push(`worker-thread does not work: ${worker?.reason}`);
    if (!(worker?.roundTrip?.medianMicros > 0)) problems.push('no measured round trip');
    // Node 22.18+, 24, 26, Bun and Deno load TypeScript themselves; Node 20 needs a loader.
    const expectTs = runtime !== 'node20';
    if (report.typescript.probe.loaded !== expectTs) problems.push(`.ts probe loaded: ${report.typescript.probe.loaded}, expected ${expectTs}`);
    return problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'pass' };
  },
}));
