// Test runners: a small real project per runner installs the packed tarball and runs real tests that make
// synchronous calls (syncify of an async module, runSync of an inline function) and check the answers.
// A cell passes only if the runner exits 0 AND reports the expected number of passed tests, so a runner
// that found or ran nothing fails.
//
// "with coverage" runs the same tests instrumented. Coverage tools (istanbul via babel-jest) and Vitest's
// module transform rewrite an inline runSync function's source (cov_x().s[0]++, __vite_ssr_dynamic_import__)
// into something that cannot run in the worker: syncbridge refuses it with ERR_SYNCBRIDGE_CLOSURE naming the
// tool and pointing at syncify, and the fixture tests assert exactly that (see each fixture's tests).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const installed = new Map();
/** The fixture, copied and installed once per matrix run. */
function project(ctx, fixture) {
  if (!installed.has(fixture)) {
    const dir = ctx.copyFixture(fixture);
    ctx.npmInstall(dir, [ctx.tarball]);
    installed.set(fixture, dir);
  }
  return installed.get(fixture);
}

/** pass when the run exited 0 and `counted` (parsed from the runner's report) shows `expected` passing tests and none failing. */
function verdict(result, counted, expected) {
  if (result.status !== 0 || result.timedOut) return { status: 'fail', detail: result.summary() };
  if (!counted) return { status: 'fail', detail: `no test report found: ${result.summary()}` };
  if (counted.passed !== expected || counted.failed !== 0) {
    return {
      status: 'fail',
      detail: `expected ${expected} passed tests, the runner reported ${counted.passed} passed and ${counted.failed} failed: ${result.summary()}`,
    };
  }
  return { status: 'pass', detail: `${counted.passed} tests passed` };
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Jest and Vitest write the same JSON summary shape. */
function jestLikeCounts(file) {
  const report = readJson(file);
  return report && { passed: report.numPassedTests, failed: report.numFailedTests };
}

const nodeTest = (coverage) => ({
  group: 'Test runners',
  name: 'node --test (Node 20)',
  column: coverage ? 'with coverage' : 'tests',
  run(ctx) {
    const dir = project(ctx, 'runner-node');
    const args = ['--test', '--test-reporter=tap', ...(coverage ? ['--experimental-test-coverage'] : []), 'test/sync.test.mjs'];
    const result = ctx.run(ctx.runtime('node20'), args, { cwd: dir, timeout: 60_000 });
    const passed = /^# pass (\d+)$/m.exec(result.stdout);
    const failed = /^# fail (\d+)$/m.exec(result.stdout);
    return verdict(result, passed && failed && { passed: Number(passed[1]), failed: Number(failed[1]) }, 3);
  },
});

const mocha = {
  group: 'Test runners',
  name: 'Mocha 12 (Node 20)',
  column: 'tests',
  run(ctx) {
    const dir = project(ctx, 'runner-mocha');
    const result = ctx.run(ctx.runtime('node20'), ['node_modules/mocha/bin/mocha.js', 'test/sync.test.mjs'], { cwd: dir, timeout: 60_000 });
    const passed = /^\s*(\d+) passing/m.exec(result.stdout);
    const failed = /^\s*(\d+) failing/m.exec(result.stdout);
    return verdict(result, passed && { passed: Number(passed[1]), failed: failed ? Number(failed[1]) : 0 }, 3);
  },
};

const jest = (mode, coverage) => ({
  group: 'Test runners',
  name: mode === 'esm' ? 'Jest 30, native ESM (--experimental-vm-modules)' : 'Jest 30, CommonJS',
  column: coverage ? 'with coverage' : 'tests',
  run(ctx) {
    const dir = project(ctx, 'runner-jest');
    const report = join(dir, `report-${mode}-${coverage}.json`);
    const args = [
      ...(mode === 'esm' ? ['--experimental-vm-modules'] : []),
      'node_modules/jest/bin/jest.js',
      '-c',
      `jest.${mode}.config.js`,
      '--ci',
      '--json',
      `--outputFile=${report}`,
      ...(coverage ? ['--coverage'] : []),
    ];
    // EXPECT_INSTRUMENTED: the module under test is instrumented, so its inline runSync function must be
    // refused with the clear error (the test checks code and message) rather than run.
    const env = { ...process.env, EXPECT_INSTRUMENTED: coverage ? '1' : '0' };
    const result = ctx.run(ctx.runtime('node20'), args, { cwd: dir, env, timeout: 120_000 });
    return verdict(result, jestLikeCounts(report), 4);
  },
});

const vitest = (pool, coverage) => ({
  group: 'Test runners',
  name: `Vitest 5, pool: '${pool}', TypeScript (Node 24)`,
  column: coverage ? 'with coverage' : 'tests',
  run(ctx) {
    // Vitest 5 needs Node >= 22.12; Node 24 also loads the TypeScript worker module (type stripping).
    const dir = project(ctx, 'runner-vitest');
    const report = join(dir, `report-${pool}-${coverage}.json`);
    const args = ['node_modules/vitest/vitest.mjs', 'run', '--reporter=json', `--outputFile=${report}`, ...(coverage ? ['--coverage'] : [])];
    const env = { ...process.env, VITEST_POOL: pool };
    const result = ctx.run(ctx.runtime('node24'), args, { cwd: dir, env, timeout: 120_000 });
    return verdict(result, jestLikeCounts(report), 6);
  },
});

const mochaCoverage = {
  group: 'Test runners',
  name: 'Mocha 12 (Node 20)',
  column: 'with coverage',
  run: () => ({
    status: 'n/a',
    detail: 'Mocha has no coverage of its own; c8 (the usual choice for ES modules) reads V8 coverage and rewrites no source, as node --test coverage does.',
  }),
};

export const cells = [
  nodeTest(false),
  nodeTest(true),
  mocha,
  mochaCoverage,
  jest('cjs', false),
  jest('cjs', true),
  jest('esm', false),
  jest('esm', true),
  vitest('threads', false),
  vitest('threads', true),
  vitest('forks', false),
  vitest('forks', true),
  vitest('vmThreads', false),
  vitest('vmThreads', true),
  vitest('vmForks', false),
  vitest('vmForks', true),
];
