// TypeScript without configuration, where the caller already runs TypeScript: the caller (caller.ts, or
// cjs/caller.cts) is started by the runner under test and syncifies .ts/.mts/.cts modules; nothing tells
// syncbridge which runner that is. Rows that pass --transform also load a module with an enum, which only a
// real TypeScript compiler in the worker (tsx, ts-node, Bun, Deno) can load: Node 22/24 would otherwise
// strip types by themselves and hide a missing loader. --js-names: lib/math.ts also named ./lib/math.js, which
// tsx and Bun map (Node's stripping does not: its error names the .ts file instead, see test/typescript.test.mjs).
const NODES = ['node20', 'node22', 'node24', 'node26'];
const TS_NODE_ESM_REGISTER =
  'data:text/javascript,import { register } from "node:module"; import { pathToFileURL } from "node:url"; register("ts-node/esm", pathToFileURL("./"));';

const installedProject = (ctx) => ctx.installedFixture('typescript-callers');

/** Runs one command in the project (or a folder of it); pass when it prints "ok". */
function check(ctx, runtime, args, { cwd = '', env } = {}) {
  const dir = installedProject(ctx);
  const result = ctx.run(ctx.runtime(runtime), args, {
    cwd: cwd ? `${dir}/${cwd}` : dir,
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return result.status === 0 && result.stdout.trim().split('\n').at(-1) === 'ok' ? undefined : result.summary();
}

function cell(name, columns, argsFor, options) {
  return columns.map((runtime) => ({
    group: 'TypeScript',
    name,
    column: runtime,
    run(ctx) {
      const failures = argsFor(runtime, ctx)
        .map((args) => check(ctx, runtime, args.args ?? args, args.options ?? options))
        .filter(Boolean);
      return failures.length ? { status: 'fail', detail: failures.join(' || ') } : { status: 'pass' };
    },
  }));
}

export const cells = [
  // tsx's CLI starts Node with --require preflight.cjs --import loader.mjs: the worker must replay the --import.
  ...cell('tsx: `tsx caller.ts`', NODES, () => [['node_modules/tsx/dist/cli.mjs', 'caller.ts', '--transform', '--js-names']]),
  ...cell('tsx: `node --import tsx caller.ts`', NODES, () => [['--import', 'tsx', 'caller.ts', '--transform', '--js-names']]),
  // ts-node's ESM hooks give .cts files no require hook on Node 20 (its limitation), so no .cts here.
  ...cell('ts-node ESM: `node --loader ts-node/esm caller.ts`', NODES, () => [
    ['--no-warnings', '--loader', 'ts-node/esm', 'caller.ts', '--transform', '--no-cts'],
  ]),
  ...cell('ts-node ESM: `node --import data:…register("ts-node/esm")`', NODES, () => [
    ['--no-warnings', '--import', TS_NODE_ESM_REGISTER, 'caller.ts', '--transform', '--no-cts'],
  ]),
  ...cell('ts-node CommonJS: `node -r ts-node/register caller.cts` (.ts/.cts modules)', NODES, () => [['-r', 'ts-node/register', 'caller.cts']], {
    cwd: 'cjs',
  }),
  // A hook registered in code stays in its thread: the error says how to pass it, and that way works.
  ...cell("tsx registered in code (`register()`), passed on with `execArgv: [...process.execArgv, '--import', 'tsx']`", NODES, () => [
    ['registered-in-code.mjs'],
  ]),
  // The `ts-node` command registers its hook in-process (no flag in execArgv): syncbridge adds --require for it.
  ...cell('ts-node command: `ts-node caller.cts` (.ts/.cts modules)', NODES, () => [['../node_modules/ts-node/dist/bin.js', 'caller.cts']], {
    cwd: 'cjs',
  }),
  // Node's own type stripping: erasable syntax only (no --transform).
  ...cell('Node type stripping (`--experimental-strip-types` on 22, default from 24)', ['node22', 'node24', 'node26'], (runtime) => [
    runtime === 'node22' ? ['--experimental-strip-types', '--no-warnings', 'caller.ts'] : ['caller.ts'],
  ]),
  {
    group: 'TypeScript',
    name: 'Node type stripping (`--experimental-strip-types` on 22, default from 24)',
    column: 'node20',
    run(ctx) {
      const dir = installedProject(ctx);
      const result = ctx.run(ctx.runtime('node20'), ['--experimental-strip-types', 'caller.ts'], { cwd: dir });
      return result.status !== 0 && /bad option: --experimental-strip-types/.test(result.stderr)
        ? { status: 'n/a', detail: 'Node 20 has no type stripping (`node --experimental-strip-types` is a bad option): use tsx or ts-node there' }
        : { status: 'fail', detail: `expected Node 20 to refuse the flag: ${result.summary()}` };
    },
  },
  // Bun and Deno run TypeScript natively, in the caller and in the worker: an ES module and a CommonJS caller.
  ...cell('Bun / Deno natively: `bun caller.ts`, `deno run -A caller.ts` (and caller.cts)', ['bun', 'deno'], (runtime) => {
    const run = runtime === 'deno' ? ['run', '-A'] : [];
    return [[...run, 'caller.ts', '--transform', ...(runtime === 'bun' ? ['--js-names'] : [])], { args: [...run, 'caller.cts'], options: { cwd: 'cjs' } }];
  }),
];
