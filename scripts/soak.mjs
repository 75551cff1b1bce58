#!/usr/bin/env node
/**
 * Soak test: `npm run soak` (= node --expose-gc scripts/soak.mjs). See docs/soak.md.
 *
 *   phase A  --calls=N    synchronous echo calls through syncify (default 1,000,000)
 *   phase B  --cycles=N   a call that never settles, ended by a --timeout=ms timeout (default 30), then a
 *                         call that must succeed on the fresh worker (default 1,000 cycles)
 *
 * Before and after each phase (after a warm-up, full GCs and a settle period) it records RSS, V8 heap used,
 * open file descriptors (/proc/self/fd), OS threads (/proc/self/status) and live Worker/MessagePort handles
 * (counted with async_hooks; process.getActiveResourcesInfo() does not list Worker handles in Node 20).
 * It exits 1 if a result was wrong or a growth exceeds its bound, 2 on bad usage.
 *
 * Other flags: --yield-every=N   let the event loop turn every N cycles in phase B (default 10; 0 = never,
 *                                to see what happens to a caller that never yields)
 *              --max-rss-calls-mib=32 --max-rss-cycles-mib=64 --max-heap-mib=16 --max-fds=2 --max-threads=2
 *                                override the bounds on growth (RSS per phase; heap applies to each isolate)
 *              --settle-ms=N     longest wait for terminated workers to be reaped before measuring (10000)
 * The last line of output is `SOAK-SUMMARY <json>`, for test/soak.test.mjs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createHook } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { syncify, ErrorCodes, close } from 'syncbridge';

// ---------------------------------------------------------------------------------------------- options

const defaults = {
  calls: 1_000_000,
  cycles: 1_000,
  timeout: 30,
  'yield-every': 10,
  'settle-ms': 10_000,
  // Bounds on growth from before to after a phase. Why these values: see docs/soak.md.
  'max-rss-calls-mib': 32,
  'max-rss-cycles-mib': 64,
  'max-heap-mib': 16,
  'max-fds': 2,
  'max-threads': 2,
};

function parseArgs(argv) {
  const options = { ...defaults };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(\d+)$/.exec(arg);
    if (!match || !(match[1] in defaults)) {
      console.error(
        `soak: unknown or malformed argument ${JSON.stringify(arg)}. Flags (numbers): ${Object.keys(defaults)
          .map((k) => `--${k}=`)
          .join(' ')}`,
      );
      process.exit(2);
    }
    options[match[1]] = Number(match[2]);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (typeof globalThis.gc !== 'function') {
  console.error('soak: run with --expose-gc (npm run soak does), so that memory is measured after full collections.');
  process.exit(2);
}

const MiB = 1024 * 1024;
const bounds = {
  rssCalls: options['max-rss-calls-mib'] * MiB,
  rssCycles: options['max-rss-cycles-mib'] * MiB,
  heap: options['max-heap-mib'] * MiB,
  fds: options['max-fds'],
  threads: options['max-threads'],
};

// ---------------------------------------------------------------------------------------- measurements

/** Live Worker and MessagePort handles of this thread: created and not yet destroyed. */
const liveHandles = new Map();
let workersCreated = 0;
createHook({
  init(id, type) {
    if (type === 'WORKER' || type === 'MESSAGEPORT') {
      liveHandles.set(id, type);
      if (type === 'WORKER') workersCreated++;
    }
  },
  destroy(id) {
    liveHandles.delete(id);
  },
}).enable();

function countHandles(type) {
  let n = 0;
  for (const t of liveHandles.values()) if (t === type) n++;
  return n;
}

const threadCount = () => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
const fdCount = () => fs.readdirSync('/proc/self/fd').length;

/** Cheap reading for progress lines: no GC. */
function reading() {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed, fds: fdCount(), threads: threadCount(), workers: countHandles('WORKER'), ports: countHandles('MESSAGEPORT') };
}

/**
 * Lets terminated workers be reaped (their exit reaches this thread only through its event loop), collects
 * garbage fully, then measures. Waits at least 500 ms, and until the thread count stops falling (or the
 * expected count is reached), at most --settle-ms.
 */
async function settledReading(expectThreads) {
  const started = performance.now();
  let last = Infinity;
  let stableSince = performance.now();
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc();
    await sleep(50);
    const threads = threadCount();
    if (threads < last) stableSince = performance.now();
    last = threads;
    const waited = performance.now() - started;
    if (waited >= options['settle-ms']) break;
    if (waited >= 500 && (threads <= expectThreads || performance.now() - stableSince >= 1_000)) break;
  }
  globalThis.gc();
  globalThis.gc();
  // The worker's heap is another isolate: collect and measure it there (it inherits --expose-gc).
  let workerHeap = NaN;
  try {
    const worker = m.collect();
    if (!worker.gc) problem('the worker has no gc(): its heap is measured without a full collection');
    workerHeap = worker.heapUsed;
  } catch (error) {
    problem(`measuring the worker's heap failed: ${error?.code ?? ''} ${error?.message ?? error}`);
  }
  return { ...reading(), workerHeap, settleMs: Math.round(performance.now() - started) };
}

// ------------------------------------------------------------------------------------------ formatting

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const signedMib = (bytes) => `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(1)}`;
const signed = (n) => `${n >= 0 ? '+' : ''}${n}`;
const int = (n) => Math.round(n).toLocaleString('en-US');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const log = (line) => process.stdout.write(`${line}\n`);

function progress(label, done, total, started) {
  const r = reading();
  const seconds = (performance.now() - started) / 1000;
  log(
    `  ${label} ${lpad(int(done), 9)}/${int(total)}  ${lpad(seconds.toFixed(1), 6)} s  ${lpad(int(done / seconds), 9)}/s` +
      `  rss ${mib(r.rss)}  heap ${mib(r.heap)}  fds ${r.fds}  threads ${r.threads}  live Worker handles ${r.workers}`,
  );
  return r;
}

// ---------------------------------------------------------------------------------------------- phases

/** Which code was measured: the commit, and whether src/ differs from it (npm run soak builds dist/ first). */
function revision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}
const loadBefore = os.loadavg();

const target = new URL('../test/fixtures/soak-target.mjs', import.meta.url);
const m = syncify(target, { timeout: 10_000, warnAfter: 0 });
const timed = syncify(target, { timeout: options.timeout, warnAfter: 0 });

const problems = [];
function problem(message) {
  if (problems.length < 20) problems.push(message);
  else if (problems.length === 20) problems.push('… (more problems not shown)');
}

async function phaseCalls(total) {
  // Warm-up: start the worker, load the module, let the JIT settle.
  for (let i = 0; i < 20_000; i++) m.echo(i);
  const before = await settledReading(0);
  log(`phase A: ${int(total)} calls of echo(i)`);
  const started = performance.now();
  const step = Math.max(1, Math.min(100_000, Math.floor(total / 10)));
  let wrong = 0;
  for (let i = 0; i < total; ) {
    const end = Math.min(total, i + step);
    for (; i < end; i++) {
      const value = i % 3 === 0 ? { i } : i;
      const result = m.echo(value);
      if ((typeof value === 'object' ? result?.i : result) !== i) {
        wrong++;
        problem(`phase A: echo(${JSON.stringify(value)}) returned ${JSON.stringify(result)}`);
      }
    }
    progress('calls', i, total, started);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = await settledReading(before.threads);
  return { name: 'A: calls', count: total, errors: wrong, seconds, perSecond: total / seconds, before, after };
}

async function phaseCycles(total) {
  const yieldEvery = options['yield-every'];
  const cycle = (n) => {
    let error;
    try {
      timed.neverSettles();
    } catch (e) {
      error = e;
    }
    if (error?.code !== ErrorCodes.TIMEOUT) {
      problem(`phase B cycle ${n}: expected ${ErrorCodes.TIMEOUT}, got ${error ? `${error.code}: ${error.message}` : 'a result'}`);
      return false;
    }
    try {
      const result = m.ok(n);
      if (result !== n + 1) {
        problem(`phase B cycle ${n}: ok(${n}) returned ${JSON.stringify(result)} after recovery`);
        return false;
      }
    } catch (e) {
      problem(`phase B cycle ${n}: the call after the timeout failed: ${e?.code ?? ''} ${e?.message ?? e}`);
      return false;
    }
    return true;
  };
  // Warm-up: the first replacements allocate what every later one reuses.
  for (let n = 0; n < 10; n++) {
    cycle(-1 - n);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const before = await settledReading(0);
  const createdBefore = workersCreated;
  log(
    `phase B: ${int(total)} cycles of neverSettles() with timeout ${options.timeout} ms, then ok(n); ` +
      (yieldEvery ? `event loop turns every ${yieldEvery} cycles` : 'the event loop never turns during the phase'),
  );
  const started = performance.now();
  const step = Math.max(1, Math.floor(total / 10));
  let failed = 0;
  let peakThreads = before.threads;
  let peakRss = before.rss;
  for (let n = 0; n < total; n++) {
    if (!cycle(n)) failed++;
    if (yieldEvery && (n + 1) % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
    if ((n + 1) % 10 === 0 || n + 1 === total) {
      const threads = threadCount();
      if (threads > peakThreads) peakThreads = threads;
      const { rss } = process.memoryUsage();
      if (rss > peakRss) peakRss = rss;
    }
    if ((n + 1) % step === 0 || n + 1 === total) progress('cycles', n + 1, total, started);
  }
  const seconds = (performance.now() - started) / 1000;
  const created = workersCreated - createdBefore;
  const after = await settledReading(before.threads);
  return {
    name: 'B: timeout+recover',
    count: total,
    errors: failed,
    seconds,
    perSecond: total / seconds,
    before,
    after,
    peakThreads,
    peakRss,
    workersCreated: created,
  };
}

// ---------------------------------------------------------------------------------------------- report

function check(phase) {
  const growth = {
    rss: phase.after.rss - phase.before.rss,
    heap: phase.after.heap - phase.before.heap,
    workerHeap: phase.after.workerHeap - phase.before.workerHeap,
    fds: phase.after.fds - phase.before.fds,
    threads: phase.after.threads - phase.before.threads,
    workers: phase.after.workers - phase.before.workers,
    ports: phase.after.ports - phase.before.ports,
  };
  const exceeded = [];
  // The live bridge worker may or may not have its watchdog (a thread started when a call has blocked for
  // 50 ms, which the first call on a fresh worker sometimes does; it lives as long as that worker). So one
  // watchdog more at the end than at the start is allowed: 1 Worker handle, 2 ports, 1 thread, 4 fds. A leak
  // per call or per cycle would show as thousands.
  const watchdog = growth.workers === 1 ? { fds: 4, ports: 2 } : { fds: 0, ports: 0 };
  const rssBound = phase.name.startsWith('A') ? bounds.rssCalls : bounds.rssCycles;
  if (growth.rss > rssBound) exceeded.push(`RSS grew ${mib(growth.rss)} > ${mib(rssBound)}`);
  if (growth.heap > bounds.heap) exceeded.push(`heap grew ${mib(growth.heap)} > ${mib(bounds.heap)}`);
  if (growth.workerHeap > bounds.heap) exceeded.push(`the worker's heap grew ${mib(growth.workerHeap)} > ${mib(bounds.heap)}`);
  if (growth.fds > bounds.fds + watchdog.fds) exceeded.push(`fds grew by ${growth.fds} > ${bounds.fds + watchdog.fds}`);
  if (growth.threads > bounds.threads) exceeded.push(`threads grew by ${growth.threads} > ${bounds.threads}`);
  if (growth.workers > 1) exceeded.push(`live Worker handles grew by ${growth.workers} (at most 1: a watchdog)`);
  if (growth.ports > watchdog.ports) exceeded.push(`live MessagePort handles grew by ${growth.ports} > ${watchdog.ports}`);
  if (phase.errors > 0) exceeded.push(`${phase.errors} wrong or failed ${phase.name.startsWith('A') ? 'calls' : 'cycles'}`);
  return { ...phase, growth, exceeded, ok: exceeded.length === 0 };
}

function printSummary(phases) {
  log('');
  log(
    `summary — node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${new Date().toISOString()}, syncbridge ${revision()}`,
  );
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  log(`load average (1/5/15 min) at start ${load(loadBefore)}, at end ${load(os.loadavg())}: calls/s are lower when other processes share the cores`);
  const head = [
    'phase',
    'count',
    'seconds',
    'per s',
    'rss before → after (Δ MiB)',
    'heap before → after (Δ MiB)',
    'worker heap (Δ MiB)',
    'fds',
    'threads',
    'Worker/MessagePort handles',
    'settle',
  ];
  const rows = phases.map((p) => [
    p.name,
    int(p.count),
    p.seconds.toFixed(1),
    int(p.perSecond),
    `${mib(p.before.rss)} → ${mib(p.after.rss)} (${signedMib(p.growth.rss)})`,
    `${mib(p.before.heap)} → ${mib(p.after.heap)} (${signedMib(p.growth.heap)})`,
    `${mib(p.before.workerHeap)} → ${mib(p.after.workerHeap)} (${signedMib(p.growth.workerHeap)})`,
    `${p.before.fds} → ${p.after.fds}`,
    `${p.before.threads} → ${p.after.threads}`,
    `${p.before.workers}/${p.before.ports} → ${p.after.workers}/${p.after.ports}`,
    `${p.after.settleMs} ms`,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => `| ${cells.map((cell, c) => pad(cell, widths[c])).join(' | ')} |`;
  log(line(head));
  log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) log(line(row));
  for (const p of phases) {
    if (p.peakThreads !== undefined) {
      log(
        `${p.name}: ${int(p.workersCreated)} Worker threads started (bridge workers and watchdogs); during the phase at most ${p.peakThreads} OS threads (${signed(p.peakThreads - p.before.threads)}) and RSS at most ${mib(p.peakRss)} (${signedMib(p.peakRss - p.before.rss)} MiB)`,
      );
    }
  }
  log(
    `bounds on growth per phase: RSS ≤ ${mib(bounds.rssCalls)} (A) and ${mib(bounds.rssCycles)} (B), heap (each isolate) ≤ ${mib(bounds.heap)}, fds ≤ ${bounds.fds}, threads ≤ ${bounds.threads}, live Worker and MessagePort handles ≤ 0 (or one watchdog more)`,
  );
  for (const message of problems) log(`problem: ${message}`);
  for (const p of phases) for (const message of p.exceeded) log(`FAIL ${p.name}: ${message}`);
}

const phases = [];
if (options.calls > 0) phases.push(check(await phaseCalls(options.calls)));
if (options.cycles > 0) phases.push(check(await phaseCycles(options.cycles)));
await close();
printSummary(phases);
const ok = phases.every((p) => p.ok);
log(ok ? 'soak: PASS' : 'soak: FAIL');
log(
  `SOAK-SUMMARY ${JSON.stringify({
    ok,
    node: process.version,
    options,
    bounds,
    problems,
    phases: phases.map(
      ({ name, count, errors, seconds, perSecond, before, after, growth, exceeded, ok: phaseOk, peakThreads, peakRss, workersCreated: created }) => ({
        name,
        count,
        errors,
        seconds,
        perSecond,
        before,
        after,
        growth,
        exceeded,
        ok: phaseOk,
        peakThreads,
        peakRss,
        workersCreated: created,
      }),
    ),
  })}`,
);
process.exitCode = ok ? 0 : 1;
