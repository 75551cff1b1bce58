// The two strategies (issue 12): the process strategy from the installed package on every runtime that has
// it, and what auto chooses under Node's permission model when child processes are allowed and threads not.
const installedProject = (ctx) => ctx.installedFixture('runtime-callers');

function outcome(ctx, command, args) {
  const result = ctx.run(command, args, { cwd: installedProject(ctx), timeout: 60_000 });
  if (result.status !== 0) throw new Error(result.summary());
  const lines = result.stdout.trim().split('\n');
  return { ...JSON.parse(lines.pop()), printed: lines };
}

const nodeFlag = (runtime) => (runtime === 'node20' ? '--experimental-permission' : '--permission');

export const cells = [
  ...['node20', 'node22', 'node24', 'node26', 'bun'].map((runtime) => ({
    group: 'Strategies',
    name: "strategy 'process': values, errors with their class, output in order, process.abort() ends only its process (SIGABRT named), the next call works",
    column: runtime,
    run(ctx) {
      const got = outcome(ctx, ctx.runtime(runtime), ['strategy-caller.mjs']);
      const ok =
        got.value === 5 &&
        got.pid !== got.own &&
        got.thrown === 'RangeError: out of range' &&
        /^ERR_SYNCBRIDGE_WORKER_EXIT: .*killed by SIGABRT/.test(got.crash ?? '') &&
        got.after === 2 &&
        got.newPid === true &&
        got.printed.join('|') === 'worker: about to throw' &&
        got.explained === 'process';
      return ok ? { status: 'pass' } : { status: 'fail', detail: JSON.stringify(got) };
    },
  })),
  {
    group: 'Strategies',
    name: "strategy 'process': values, errors with their class, output in order, process.abort() ends only its process (SIGABRT named), the next call works",
    column: 'deno',
    run(ctx) {
      const got = outcome(ctx, ctx.runtime('deno'), ['run', '-A', 'strategy-caller.mjs']);
      return got.code === 'ERR_SYNCBRIDGE_UNSUPPORTED' && /EBADF/.test(got.message)
        ? { status: 'n/a', detail: `refused with ERR_SYNCBRIDGE_UNSUPPORTED: ${got.message}` }
        : { status: 'fail', detail: JSON.stringify(got) };
    },
  },
  ...['node20', 'node22', 'node24', 'node26'].map((runtime) => ({
    group: 'Strategies',
    name: 'permission model with --allow-child-process, no --allow-worker: auto runs calls in a worker process',
    column: runtime,
    run(ctx) {
      const got = outcome(ctx, ctx.runtime(runtime), [nodeFlag(runtime), '--allow-fs-read=*', '--allow-child-process', 'permission-caller.mjs']);
      return got.value === 5 ? { status: 'pass' } : { status: 'fail', detail: JSON.stringify(got) };
    },
  })),
];
