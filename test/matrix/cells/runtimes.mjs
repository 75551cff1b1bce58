// Runtimes — features: what syncbridge promises (timeouts, exits, escaped errors, output, transfer, values,
// close, resourceLimits, execArgv) on Node 20/22/24/26, Bun and Deno, against the packed tarball. Where a
// runtime cannot have a feature, syncbridge must refuse it with ERR_SYNCBRIDGE_UNSUPPORTED (n/a, with its
// reason), never hang. callers.mjs (the "Runtimes" table) shares the installed project and the helpers below.
export const RUNTIMES = ['node20', 'node22', 'node24', 'node26', 'bun', 'deno'];

/** The fixture project, copied and installed with the tarball once per matrix run (shared by callers.mjs). */
export function installedProject(ctx, fixture = 'runtime-callers') {
  return ctx.installedFixture(fixture);
}

/** How this runtime runs a script file with arguments. */
export function scriptCommand(ctx, runtime, script, args = []) {
  const binary = ctx.runtime(runtime);
  return runtime === 'deno' ? [binary, ['run', '-A', script, ...args]] : [binary, [script, ...args]];
}

export const lines = (text) =>
  text
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** Compares output lines with expectations (strings or regular expressions); the first mismatch, or undefined. */
export function mismatch(actual, expected) {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const want = expected[i];
    const got = actual[i];
    const ok = want instanceof RegExp ? typeof got === 'string' && want.test(got) : got === want;
    if (!ok)
      return `line ${i + 1}: expected ${want === undefined ? 'no more output' : String(want)}, got ${got === undefined ? 'nothing' : JSON.stringify(got.slice(0, 300))}`;
  }
  return undefined;
}

// What each feature prints (test/matrix/fixtures/runtime-callers/features.mjs), and where it must be refused
// with ERR_SYNCBRIDGE_UNSUPPORTED instead (those cells are n/a, with syncbridge's own reason).
const FEATURES = [
  {
    name: 'timeout: ERR_SYNCBRIDGE_TIMEOUT (pending promise, CPU loop), next call works',
    arg: 'timeout',
    stdout: [
      /^ERR_SYNCBRIDGE_TIMEOUT: neverSettles\(\) .* within 1000 ms/,
      'returned "ok"',
      /^ERR_SYNCBRIDGE_TIMEOUT: spinForever\(\) /,
      'returned "ok"',
      'within bounds',
    ],
  },
  {
    name: 'process.exit() in the worker: ERR_SYNCBRIDGE_WORKER_EXIT with the code, next call works',
    arg: 'exit',
    stdout: ['worker: about to exit', /^ERR_SYNCBRIDGE_WORKER_EXIT: exitWith\(\) .*exited with code 3/, 'returned "ok"'],
  },
  {
    name: 'throw in a timer / unhandled rejection: ERR_SYNCBRIDGE_UNCAUGHT with the cause',
    arg: 'uncaught',
    stdout: [
      /^ERR_SYNCBRIDGE_UNCAUGHT: throwFromTimer\(\) .*uncaught exception.*\(cause: RangeError: thrown from a timer\)$/,
      'returned "ok"',
      /^ERR_SYNCBRIDGE_UNCAUGHT: runSync.*unhandled rejection.*\(cause: SyntaxError: nobody handles me\)$/,
      'returned "ok"',
    ],
  },
  {
    name: 'worker output: in order, through process.stdout.write, kept on process.exit() right after',
    arg: 'output',
    stdout: ['intercepted ["captured: worker log\\n","captured: worker write\\n"]', 'caller: before', 'last: worker log', 'last: worker write'],
    stderr: 'worker: to stderr',
  },
  {
    name: 'transfer(): 1 MiB moved both ways, sender detached',
    arg: 'transfer',
    stdout: ["worker got [1048576,2097152], caller's copy now 0 bytes", "caller got Uint8Array of 1048576 bytes, worker's copy now 0 bytes"],
  },
  {
    name: 'values: Map, Set, Date, RegExp, BigInt, typed arrays, Buffer, cycles; 300 KB payloads both ways',
    arg: 'values',
    stdout: ['lost: []', 'large text: 300000 300000', 'large binary: 200000 50000'],
  },
  {
    name: 'close(): stops the worker, the next call starts a fresh one',
    arg: 'close',
    stdout: ['count 1 2', 'closed', 'count 1'],
  },
  {
    name: 'resourceLimits: out of memory is ERR_SYNCBRIDGE_WORKER_EXIT, next call works',
    arg: 'memory',
    stdout: [/^ERR_SYNCBRIDGE_WORKER_EXIT: exhaustMemory\(\) .*ran out of memory/, 'returned "ok"'],
    unsupportedOn: ['bun', 'deno'],
  },
  {
    // Bun's worker threads ignore flags: under strategy 'auto' the call goes to a worker process, which takes them.
    name: 'execArgv: a --require preload runs in the worker (Bun: in a worker process, chosen by auto)',
    arg: 'preload',
    stdout: ['explicit execArgv: returned 1'],
    unsupportedOn: ['deno'],
  },
];

function featureCell(feature, runtime) {
  return {
    group: 'Runtimes — features',
    name: feature.name,
    column: runtime,
    run(ctx) {
      const dir = installedProject(ctx);
      const [command, args] = scriptCommand(ctx, runtime, 'features.mjs', [feature.arg]);
      const result = ctx.run(command, args, { cwd: dir, timeout: 45_000 });
      if (result.status !== 0) return { status: 'fail', detail: result.summary() };
      const out = lines(result.stdout);
      const unsupported = out.length === 1 && out[0].startsWith('unsupported: ') ? out[0].slice('unsupported: '.length) : undefined;
      if (unsupported !== undefined) {
        if (!feature.unsupportedOn?.includes(runtime)) return { status: 'fail', detail: `unexpectedly refused: ${unsupported}` };
        // "fn() from /path/faults.mjs: the ... option is not supported on Bun 1.4.5: why" -> from "the" on.
        const reason = unsupported.replace(/^.*?\.mjs: /, '').replaceAll(`${dir}/`, './');
        return { status: 'n/a', detail: `refused with ERR_SYNCBRIDGE_UNSUPPORTED: ${reason}` };
      }
      if (feature.unsupportedOn?.includes(runtime)) {
        return { status: 'fail', detail: `expected ERR_SYNCBRIDGE_UNSUPPORTED here, got: ${out.join(' | ').slice(0, 400)}` };
      }
      const wrong = mismatch(out, feature.stdout);
      if (wrong) return { status: 'fail', detail: `${wrong} (${result.summary()})` };
      if (feature.stderr && !result.stderr.includes(feature.stderr)) return { status: 'fail', detail: `stderr lacks "${feature.stderr}": ${result.summary()}` };
      return { status: 'pass' };
    },
  };
}

export const cells = FEATURES.flatMap((feature) => RUNTIMES.map((runtime) => featureCell(feature, runtime)));
