// Permission models: Node's (--permission) forbids worker threads unless --allow-worker is given; Deno's forbids
// reading the environment without --allow-env. A call must work where it can and fail with a typed error
// naming the fix where it cannot, never with the runtime's raw error. (That calls work with the least grants
// is the "permission model" row of callers.mjs.)
const installedProject = (ctx) => ctx.installedFixture('runtime-callers');

function outcome(ctx, command, args) {
  const result = ctx.run(command, args, { cwd: installedProject(ctx), timeout: 60_000 });
  if (result.status !== 0) throw new Error(result.summary());
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const nodeFlag = (runtime) => (runtime === 'node20' ? '--experimental-permission' : '--permission');

export const cells = [
  ...['node20', 'node22', 'node24', 'node26'].map((runtime) => ({
    group: 'Permissions',
    name: 'Node permission model, no --allow-worker: ERR_SYNCBRIDGE_UNSUPPORTED naming the flag',
    column: runtime,
    run(ctx) {
      const got = outcome(ctx, ctx.runtime(runtime), [nodeFlag(runtime), '--allow-fs-read=*', 'permission-caller.mjs']);
      return got.code === 'ERR_SYNCBRIDGE_UNSUPPORTED' && /--allow-worker/.test(got.message)
        ? { status: 'pass' }
        : { status: 'fail', detail: JSON.stringify(got) };
    },
  })),
  {
    group: 'Permissions',
    name: 'Deno with no permission flags (`deno run`): calls work',
    column: 'deno',
    run(ctx) {
      const got = outcome(ctx, ctx.runtime('deno'), ['run', 'permission-caller.mjs']);
      return got.value === 5 ? { status: 'pass' } : { status: 'fail', detail: JSON.stringify(got) };
    },
  },
];
