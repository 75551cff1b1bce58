// The process strategy: the module runs in a child process of this runtime, with real isolation (a crash,
// an abort, an out-of-memory ends that call, not the caller), real flags, its own directory and environment.
// The behaviour suite runs once more with SYNCBRIDGE_STRATEGY=process (npm test); this file holds what only
// a process can do, and what it must say when it ends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { close, explain, syncify } from 'syncbridge';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const url = fixture('isolation.mjs');
const isolated = syncify(url, { strategy: 'process' });
const library = new URL('../dist/index.mjs', import.meta.url).href;

test.after(() => close());

test('a call with strategy "process" runs in a child process, and explain() says so', () => {
  const pid = isolated.pid();
  assert.notEqual(pid, process.pid);
  assert.equal(isolated.pid(), pid, 'the process is kept for later calls');
  const explained = explain({ strategy: 'process' });
  assert.equal(explained.strategy, 'process');
  assert.equal(explained.requested, 'process');
  assert.equal(explained.running, 'process');
});

test('process.abort() in the worker process ends that call with ERR_SYNCBRIDGE_WORKER_EXIT naming SIGABRT; the caller runs on and the next call gets a fresh process', () => {
  const before = isolated.pid();
  assertBridgeError(
    () => isolated.abort(),
    'ERR_SYNCBRIDGE_WORKER_EXIT',
    /^abort\(\) from .*isolation\.mjs: the worker process was killed by SIGABRT/,
    /unharmed/,
  );
  const after = isolated.pid();
  assert.notEqual(after, before);
});

test('a fatal signal in the worker process (SIGSEGV, SIGKILL) is named in the error', () => {
  assertBridgeError(() => isolated.crash('SIGSEGV'), 'ERR_SYNCBRIDGE_WORKER_EXIT', /killed by SIGSEGV \(a crash in native code/);
  assertBridgeError(() => isolated.crash('SIGKILL'), 'ERR_SYNCBRIDGE_WORKER_EXIT', /killed by SIGKILL/);
  assert.equal(typeof isolated.pid(), 'number');
});

test('process.exit(7) in the worker process is reported with its exit code', () => {
  assertBridgeError(() => isolated.exit(7), 'ERR_SYNCBRIDGE_WORKER_EXIT', /the worker process exited with code 7 during the call/);
  assert.equal(typeof isolated.pid(), 'number');
});

test('running out of memory under resourceLimits ends the worker process, not the caller', () => {
  const small = syncify(url, { strategy: 'process', resourceLimits: { maxOldGenerationSizeMb: 48 }, timeout: 60_000 });
  const { heapLimitMb } = small.surroundings();
  assert.ok(heapLimitMb < 200, `the limit is a real --max-old-space-size (heap limit ${heapLimitMb} MiB)`);
  assertBridgeError(
    () => small.exhaustMemory(),
    'ERR_SYNCBRIDGE_WORKER_EXIT',
    /ran out of memory under resourceLimits \{"maxOldGenerationSizeMb":48\} \(V8 aborted it: SIGABRT\)/,
    /unharmed/,
  );
  assert.equal(typeof small.pid(), 'number');
});

test('execArgv, env and cwd reach the worker process for real', () => {
  const dir = os.tmpdir();
  const configured = syncify(url, { strategy: 'process', execArgv: ['--expose-gc'], env: { ...process.env, SYNCBRIDGE_TEST_VALUE: 'from env' }, cwd: dir });
  assert.deepEqual({ ...configured.surroundings(), heapLimitMb: 0 }, { gc: 'function', cwd: dir, value: 'from env', heapLimitMb: 0 });
});

test('a call that runs past its timeout is stopped, and the next call works in a fresh process', () => {
  // Same options but the timeout, so the same worker process: started by the first call, with time to start
  // on a loaded machine; only the call that never settles has 300 ms.
  const patient = syncify(url, { strategy: 'process' });
  const impatient = syncify(url, { strategy: 'process', timeout: 300 });
  const before = patient.pid();
  assertBridgeError(() => impatient.never(), 'ERR_SYNCBRIDGE_TIMEOUT', /did not finish within 300 ms/);
  assert.notEqual(patient.pid(), before);
});

test('values cross as they do to a thread; shared memory, which cannot leave a process, is refused with ERR_SYNCBRIDGE_CLONE', () => {
  const value = { date: new Date(5), map: new Map([[1, new Set(['a'])]]), big: 10n ** 20n, bytes: new Uint8Array([1, 2, 3]), error: new RangeError('r') };
  const back = isolated.echo(value);
  assert.deepEqual(back.map, value.map);
  assert.equal(back.big, value.big);
  assert.ok(back.error instanceof RangeError);
  assert.deepEqual(back.bytes, value.bytes);
  assertBridgeError(() => isolated.echo(new SharedArrayBuffer(8)), 'ERR_SYNCBRIDGE_CLONE', /echo\(\) from/);
  assert.equal(isolated.echo(1), 1, 'the next call works');
});

test("the worker process's output reaches the caller's stdout and stderr in order, before the call returns", () => {
  const result = runScript(
    `import { syncify } from '${library}';
    const m = syncify(${JSON.stringify(url.href)}, { strategy: 'process' });
    console.log('before');
    const done = m.chatty();
    console.log('after', done);`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'before\none\ntwo\nafter done\n');
  assert.equal(result.stderr, 'three\n');
});

test('a script that made calls exits promptly without close(), and its worker process ends with it', () => {
  const started = performance.now();
  const result = runScript(
    `import { syncify } from '${library}';
    const m = syncify(${JSON.stringify(url.href)}, { strategy: 'process' });
    console.log(m.pid());`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.ok(performance.now() - started < 15_000);
  const child = Number(result.stdout.trim());
  const deadline = Date.now() + 5000;
  let alive = true;
  while (alive && Date.now() < deadline) {
    try {
      process.kill(child, 0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, `worker process ${child} outlived its caller`);
});

test("the worker process gets the caller's flags, but not its inspector, tests or eval (--expose-gc yes, --inspect no)", () => {
  const result = runScript(
    `import { syncify } from '${library}';
    const m = syncify(${JSON.stringify(url.href)}, { strategy: 'process' });
    console.log(m.surroundings().gc);`,
    { args: ['--expose-gc', '--inspect=0'] },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'function');
  assert.equal(result.stderr.match(/Debugger listening/g)?.length, 1, result.stderr);
});

test('output larger than the socket buffer, then process.exit() or an abort: every byte arrives, and the exit code is named', () => {
  const source = `import { runSync } from '${library}';
    const run = runSync.with({ strategy: 'process' });
    try { run(() => { process.stdout.write('x'.repeat(4 << 20) + '\\n'); process.exit(3); }); } catch (e) { console.error(e.message); }
    try { run(() => { process.stderr.write('y'.repeat(4 << 20) + 'END\\n'); process.abort(); }); } catch (e) { console.error(e.message); }
    console.log(run(() => { setTimeout(() => process.exit(5), 0); return 'z'.repeat(8 << 20); }).length);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  assert.equal(result.status, 0, String(result.error ?? result.stderr.slice(-2000)));
  assert.ok(result.stdout === `${'x'.repeat(4 << 20)}\n${8 << 20}\n`, `the output and the answer before the exit arrive whole (${result.stdout.length} bytes)`);
  assert.match(result.stderr, /exited with code 3 during the call/);
  assert.match(result.stderr, /y{1000}END\n/);
  assert.match(result.stderr, /killed by SIGABRT/);
});

test('a worker process busy in a loop of its own between calls does not outlive its caller', () => {
  const source = `import { runSync } from '${library}';
    console.log(runSync.with({ strategy: 'process' })(() => { setTimeout(() => { for (;;); }, 0); return process.pid; }));
    setTimeout(() => {}, 300);`;
  // stdout a file, not a pipe: a child left behind would hold a pipe open, and spawnSync wait for it.
  const out = path.join(os.tmpdir(), `syncbridge-orphan-${process.pid}.txt`);
  const fd = fs.openSync(out, 'w');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: 30_000 });
  fs.closeSync(fd);
  const child = Number(fs.readFileSync(out, 'utf8').trim());
  fs.rmSync(out);
  assert.equal(result.status, 0, result.stderr);
  const deadline = Date.now() + 3000;
  let alive = true;
  while (alive && Date.now() < deadline) {
    try {
      process.kill(child, 0);
      alive = !/\) [ZX] /.test(fs.readFileSync(`/proc/${child}/stat`, 'utf8'));
      if (alive) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    } catch {
      alive = false;
    }
  }
  if (alive) process.kill(child, 'SIGKILL');
  assert.equal(alive, false, `worker process ${child} outlived its caller`);
});

test('a worker process that printed more than one read takes and exited between calls: its output arrives, and the next call gets a fresh process', () => {
  const source = `import { runSync } from '${library}';
    const run = runSync.with({ strategy: 'process' });
    const first = run(() => { setTimeout(() => { process.stdout.write('b'.repeat(100_000) + '\\n'); process.exit(0); }, 10); return process.pid; });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // no event loop turn: the next call finds it gone
    console.log(run(() => process.pid) !== first);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.ok(result.stdout === `${'b'.repeat(100_000)}\ntrue\n`, `its output, then the next call's answer (${result.stdout.length} bytes)`);
});
