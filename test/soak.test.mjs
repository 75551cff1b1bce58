import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// The short version of `npm run soak` (docs/soak.md): 100,000 calls and 100 timeout-and-recover cycles.
test('soak, short: 100,000 calls and 100 timeout-and-recover cycles leave memory, fds and threads flat', { timeout: 120_000 }, () => {
  const result = spawnSync(process.execPath, ['--expose-gc', 'scripts/soak.mjs', '--calls=100000', '--cycles=100'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const line = result.stdout.split('\n').find((l) => l.startsWith('SOAK-SUMMARY '));
  assert.ok(line, `no SOAK-SUMMARY line (status ${result.status}, signal ${result.signal}):\n${output}`);
  const summary = JSON.parse(line.slice('SOAK-SUMMARY '.length));
  const report = summary.phases.map((p) => `${p.name}: ${JSON.stringify(p.growth)} ${p.exceeded.join('; ')}`).join('\n');

  assert.deepEqual(summary.problems, [], output);
  assert.deepEqual(
    summary.phases.map((p) => [p.name, p.count, p.errors]),
    [
      ['A: calls', 100_000, 0],
      ['B: timeout+recover', 100, 0],
    ],
  );
  for (const phase of summary.phases) {
    const rssBound = phase.name.startsWith('A') ? summary.bounds.rssCalls : summary.bounds.rssCycles;
    assert.ok(phase.growth.rss <= rssBound, `${phase.name}: RSS grew ${phase.growth.rss} bytes\n${report}`);
    assert.ok(phase.growth.heap <= summary.bounds.heap, `${phase.name}: heap grew ${phase.growth.heap} bytes\n${report}`);
    assert.ok(phase.growth.workerHeap <= summary.bounds.heap, `${phase.name}: the worker's heap grew ${phase.growth.workerHeap} bytes\n${report}`);
    // The live bridge worker may have gained its watchdog since the phase began (scripts/soak.mjs check()):
    // one Worker handle, its 2 ports and 4 fds more are allowed then. A leak per call or cycle shows as thousands.
    const watchdog = phase.growth.workers === 1 ? { fds: 4, ports: 2 } : { fds: 0, ports: 0 };
    assert.ok(phase.growth.fds <= summary.bounds.fds + watchdog.fds, `${phase.name}: ${phase.growth.fds} more file descriptors\n${report}`);
    assert.ok(phase.growth.threads <= summary.bounds.threads, `${phase.name}: ${phase.growth.threads} more threads\n${report}`);
    assert.ok(phase.growth.workers <= 1, `${phase.name}: ${phase.growth.workers} more live Worker handles\n${report}`);
    assert.ok(phase.growth.ports <= watchdog.ports, `${phase.name}: ${phase.growth.ports} more live MessagePort handles\n${report}`);
    assert.deepEqual(phase.exceeded, []);
  }
  assert.equal(summary.ok, true, output);
  assert.equal(result.status, 0, output);
});
