// Runtimes (callers × runtimes): every kind of synchronous caller, on every runtime where it exists. Each one syncifies
// an async module and runs a function (real values), gets the worker's TypeError back with its message and
// code, and prints the worker's console.log and process.stdout.write lines before the call returns, in order
// (test/matrix/fixtures/runtime-callers/checks.cjs). The project is installed once, shared with runtimes.mjs.
import { RUNTIMES, installedProject, lines, mismatch, scriptCommand } from './runtimes.mjs';

/** The lines checks.cjs prints for one caller. */
const expected = (label) => [`${label}: before`, `${label}: worker log`, `${label}: worker write`, `${label}: after done`];

const CJS_EVAL = "const syncbridge = require('syncbridge'); console.log(require('./checks.cjs').check(syncbridge, 'eval'));";
const ESM_EVAL = "import * as syncbridge from 'syncbridge'; import { check } from './checks.cjs'; console.log(check(syncbridge, 'eval'));";
const CJS_REPL = [
  "const syncbridge = require('syncbridge')",
  "const { check } = require('./checks.cjs')",
  "check(syncbridge, 'repl')",
  "syncbridge.syncify(require('node:path').resolve('client.mjs')).add(40, 2)",
  '',
].join('\n');
const ESM_REPL = [
  "import * as syncbridge from 'syncbridge';",
  "import { check } from './checks.cjs';",
  "check(syncbridge, 'repl')",
  "syncbridge.syncify(new URL('./client.mjs', `file://${Deno.cwd()}/`)).add(40, 2)",
  '',
].join('\n');

const CALLERS = [
  {
    name: 'ES module caller: syncify + runSync',
    command: (ctx, runtime) => scriptCommand(ctx, runtime, 'esm-caller.mjs'),
    stdout: [...expected('esm'), 'ok'],
  },
  {
    name: "CommonJS caller: require('syncbridge')",
    command: (ctx, runtime) => scriptCommand(ctx, runtime, 'cjs-caller.cjs'),
    stdout: [...expected('cjs'), 'ok'],
  },
  {
    name: 'eval: node -e / bun -e / deno eval',
    command: (ctx, runtime) => (runtime === 'deno' ? [ctx.runtime(runtime), ['eval', ESM_EVAL]] : [ctx.runtime(runtime), ['-e', CJS_EVAL]]),
    stdout: [...expected('eval'), 'ok'],
  },
  {
    name: 'REPL fed through stdin: node -i / bun repl / deno repl',
    command: (ctx, runtime) =>
      runtime === 'deno' ? [ctx.runtime(runtime), ['repl', '-A'], ESM_REPL] : [ctx.runtime(runtime), runtime === 'bun' ? ['repl'] : ['-i'], CJS_REPL],
    // The REPL's own lines (banner, prompts, echoed results) around ours: find ours, in order, then the results.
    check(out) {
      const shown = out.map((line) => line.replace(/^(?:> |\.\.\. )+/, '').trim()).filter(Boolean);
      const start = shown.indexOf('repl: before');
      if (start < 0) return `no "repl: before" in ${JSON.stringify(shown)}`;
      return mismatch(shown.slice(start, start + 6), [...expected('repl'), /^['"]ok['"]$/, '42']);
    },
  },
  {
    name: 'worker_threads worker as the caller (its own bridge)',
    command: (ctx, runtime) => scriptCommand(ctx, runtime, 'worker-caller.mjs'),
    stdout: [...expected('worker'), ...expected('main'), 'main: ok'],
  },
  {
    name: 'permission model, least grants: node --permission, deno run --allow-read',
    command(ctx, runtime) {
      if (runtime === 'bun') return { na: 'Bun has no permission model.' };
      if (runtime === 'deno') return [ctx.runtime(runtime), ['run', '--no-prompt', '--allow-read', 'esm-caller.mjs']]; // no --allow-env either
      // Node 20 calls it --experimental-permission. A worker needs --allow-worker; the worker inherits the flags.
      const permission = runtime === 'node20' ? '--experimental-permission' : '--permission';
      return [ctx.runtime(runtime), [permission, '--allow-fs-read=*', '--allow-worker', 'esm-caller.mjs']];
    },
    stdout: [...expected('esm'), 'ok'],
  },
  {
    name: 'HTTP server: a request handler calls, responds, keeps serving',
    command: (ctx, runtime) => scriptCommand(ctx, runtime, 'http-caller.mjs'),
    stdout: [1, 2].flatMap((n) => [...expected(`request ${n}`), `client got {"n":${n},"result":"ok","sum":${100 + n}}`]),
  },
];

export const cells = CALLERS.flatMap((caller) =>
  RUNTIMES.map((runtime) => ({
    group: 'Runtimes',
    name: caller.name,
    column: runtime,
    run(ctx) {
      const dir = installedProject(ctx);
      const how = caller.command(ctx, runtime);
      if (how.na) return { status: 'n/a', detail: how.na };
      const [command, args, input] = how;
      const result = ctx.run(command, args, { cwd: dir, input, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
      if (result.status !== 0) return { status: 'fail', detail: result.summary() };
      const out = lines(result.stdout);
      const wrong = caller.check ? caller.check(out) : mismatch(out, caller.stdout);
      return wrong ? { status: 'fail', detail: `${wrong} (${result.summary()})` } : { status: 'pass' };
    },
  })),
);
