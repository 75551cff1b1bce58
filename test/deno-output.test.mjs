// Under Deno, console.log in the worker writes to the file descriptor itself, past process.stdout, so the
// bridge must route it through the captured streams: otherwise it escapes whatever the caller does with its
// process.stdout (a test runner's capture, a Jupyter kernel's cell output) and can overtake earlier output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { install } from '../scripts/install-runtimes.mjs';

function deno(t) {
  try {
    return install('deno'); // from npm, into .runtimes/, once
  } catch (error) {
    t.skip(`Deno could not be installed: ${error.message}`);
    return undefined;
  }
}

test("Deno: the worker's console.log/console.error reach the caller's process.stdout/stderr", (t) => {
  const binary = deno(t);
  if (!binary) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-deno-'));
  const script = path.join(dir, 'caller.mjs');
  fs.writeFileSync(
    script,
    `import process from 'node:process';
import { runSync } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => write('[caller ' + name + '] ' + chunk, ...rest);
}
runSync(async () => {
  console.log('log %s', 'formatted', { a: 1 });
  console.error('error');
  process.stdout.write('write\\n');
});
`,
  );
  const result = spawnSync(binary, ['run', '-A', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', DENO_DIR: path.join(dir, 'deno-dir') },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '[caller stdout] log formatted { a: 1 }\n[caller stdout] write\n');
  assert.equal(result.stderr, '[caller stderr] error\n');
});
