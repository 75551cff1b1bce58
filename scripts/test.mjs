// The README's test command (`npm test`): every test file once (the default strategy, a worker thread), then
// the behaviour suite again with SYNCBRIDGE_STRATEGY=process, so both strategies pass the same tests.
// Exits non-zero, loudly, when either pass fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = fs
  .readdirSync(path.join(root, 'test'))
  .filter((name) => name.endsWith('.test.mjs'))
  .sort();

/** Not run again under the process strategy, and why: each is about one strategy, the choice, or the package. */
const ONCE = {
  'deno-output.test.mjs': "Deno's own output path (no process strategy on Deno)",
  'doctor.test.mjs': 'the doctor tries both strategies itself',
  'examples.test.mjs': 'the examples show the default strategy',
  'fresh-clone.test.mjs': 'packaging',
  'layering.test.mjs': 'bundle contents',
  'package.test.mjs': 'packaging',
  'permissions.test.mjs': 'the worker-thread strategy under the permission model (strategy-choice covers the process)',
  'process-strategy.test.mjs': 'the process strategy itself',
  'runtimes.test.mjs': 'simulated Bun and Deno worker threads',
  'strategy-choice.test.mjs': 'what auto chooses',
  'types.test.mjs': 'type declarations',
};

function pass(label, list, env) {
  console.log(`\n== ${label}: ${list.length} test files`);
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...list.map((f) => path.join('test', f))], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    console.error(`\nnpm test: FAILED in the ${label} pass (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const only = process.argv.slice(2);
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
pass('worker-thread strategy (default)', chosen, { SYNCBRIDGE_STRATEGY: '' });
pass(
  'process strategy (SYNCBRIDGE_STRATEGY=process)',
  chosen.filter((f) => !(f in ONCE)),
  { SYNCBRIDGE_STRATEGY: 'process' },
);
