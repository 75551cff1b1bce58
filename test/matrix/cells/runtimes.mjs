// Runtimes: the same ES module caller, installed from the packed tarball, on each runtime.
const RUNTIMES = ['node20', 'node22', 'node24', 'node26', 'bun', 'deno'];

let project;
function installedProject(ctx) {
  if (project) return project;
  project = ctx.copyFixture('runtime-smoke');
  ctx.npmInstall(project, [ctx.tarball]);
  return project;
}

function commandFor(ctx, runtime, script) {
  const binary = ctx.runtime(runtime);
  return runtime === 'deno' ? [binary, ['run', '-A', script]] : [binary, [script]];
}

export const cells = RUNTIMES.map((runtime) => ({
  group: 'Runtimes',
  name: 'ES module caller: syncify + runSync',
  column: runtime,
  run(ctx) {
    const dir = installedProject(ctx);
    const [command, args] = commandFor(ctx, runtime, 'caller.mjs');
    const result = ctx.run(command, args, { cwd: dir, timeout: 60_000 });
    return result.status === 0 && result.stdout.trim() === 'ok' ? { status: 'pass' } : { status: 'fail', detail: result.summary() };
  },
}));
