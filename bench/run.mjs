// The benchmark of issue 6: per-call latency of calling async code from sync code, syncbridge against
// its peers, all in one process so every ratio compares figures taken in the same run.
//
//   node bench/run.mjs                 latency table (all peers, all workloads, CPU per call) on stdout
//   node bench/run.mjs --time=200      quick smoke run (CI): ~200 ms per contender per workload
//   node bench/run.mjs --write         everything (latency, cold start, idle CPU, threads, CPU hog,
//                                      Bun and Deno) and regenerate docs/benchmarks.md + .svg
//   node bench/run.mjs --json          the latency results as JSON on stdout
//   --only=syncbridge,plain await      only these contenders (Bun and Deno runs use this)
//   --workloads=noop,1kb               only these workloads (ids: noop 1kb 64k-string 1m-copy 1m-transfer
//                                      64m-copy 64m-transfer)
//                                      and remote (the remote-objects section: proxies of worker objects,
//                                      iterating 100,000 items; run unless --workloads leaves it out)
//                                      and shapes (issue 13: a fresh process's first 2,000 calls, caller
//                                      work between calls, payloads, idle CPU; quiet and beside a CPU hog;
//                                      syncbridge against synckit; run unless --workloads leaves it out).
//                                      --workloads=shapes --write writes that section alone into the docs
//   --hog                              run beside a busy loop on every core (started and stopped here)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startHogs } from './lib/hog.mjs';
import { WORKLOADS } from './lib/workloads.mjs';
import { summarize } from './lib/stats.mjs';
import { cpuNow, now, timeSync } from './lib/timing.mjs';

const here = (path) => new URL(path, import.meta.url);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const asJson = flag('json');
const write = flag('write');
const budgetMs = Number(option('time') ?? 1000);
if (!(budgetMs > 0)) throw new Error('--time wants a positive number of milliseconds, e.g. --time=500');
const log = (msg) => process.stderr.write(`${msg}\n`); // stderr, so --json stdout stays parseable
const runtime = globalThis.Bun ? `bun ${globalThis.Bun.version}` : globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`;
const isNode = !globalThis.Bun && !globalThis.Deno;

// Many short rounds rather than one long stint per contender: a burst of machine noise (this is a
// shared 2-core box) then lands on everyone alike.
const ROUNDS = 20;
// The in-process floor would otherwise log ~10 million samples per workload.
const MAX_CALLS_PER_ROUND = 50_000;

const ALL_PEERS = [
  'plain await',
  'floor (spin)',
  'floor (park)',
  'syncbridge',
  'syncbridge (process)',
  'syncbridge (park only)',
  'synckit',
  'make-synchronized',
  'make-synchronous',
  'sync-rpc',
  'deasync',
];
const NODE_ONLY = new Set(['synckit', 'make-synchronized', 'make-synchronous', 'sync-rpc', 'deasync']);

const list = (value) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const only = list(option('only'));
const selectedPeers = (only ?? ALL_PEERS).filter((p) => isNode || !NODE_ONLY.has(p));
const workloadFilter = list(option('workloads'));
const selectedWorkloads = workloadFilter ? WORKLOADS.filter((w) => workloadFilter.includes(w.id)) : WORKLOADS;
// Remote objects (issue 10) are syncbridge's alone: their section runs when syncbridge is a contender.
const remoteSelected = selectedPeers.includes('syncbridge') && (!workloadFilter || workloadFilter.includes('remote'));
// The shapes users have (issue 13): syncbridge against synckit, so Node only, and run when syncbridge is a contender.
const shapesSelected = isNode && selectedPeers.includes('syncbridge') && (!workloadFilter || workloadFilter.includes('shapes'));
const shapesOnly = shapesSelected && workloadFilter?.length === 1;

// The peers are bench-only devDependencies; install them on first run so `npm run bench` works on a
// fresh clone with nothing but Node and npm. deasync's native part is fetched/built by its own script,
// which npm 11 skips unless approved: run it explicitly.
function ensurePeers() {
  if (!isNode || !selectedPeers.some((p) => NODE_ONLY.has(p))) return;
  const names = ['synckit', 'make-synchronized', 'make-synchronous', 'sync-rpc', 'deasync'];
  if (!names.every((name) => existsSync(here(`node_modules/${name}/package.json`)))) {
    log('bench: installing the peers into bench/node_modules ...');
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: fileURLToPath(here('.')),
      stdio: ['inherit', asJson ? 2 : 'inherit', 'inherit'],
      shell: process.platform === 'win32',
    });
    if (result.status !== 0) throw new Error(`npm install in bench/ failed: ${result.error?.message ?? `exit code ${result.status}`}`);
  }
  const deasyncDir = fileURLToPath(here('node_modules/deasync'));
  const probe = spawnSync(process.execPath, ['-e', 'require("deasync")'], { cwd: deasyncDir, encoding: 'utf8' });
  if (probe.status !== 0) {
    log('bench: building deasync (node build.js) ...');
    spawnSync(process.execPath, ['build.js'], { cwd: deasyncDir, stdio: ['ignore', 2, 2], timeout: 300_000 });
  }
}

const notes = [];
const versionOf = (pkgJson) => JSON.parse(readFileSync(here(pkgJson), 'utf8')).version;
const firstLine = (error) => String(error?.message ?? error).split('\n')[0];

async function loadPeers(names) {
  const { PEERS } = await import('./lib/peers.mjs');
  const loaded = [];
  for (const name of names) {
    try {
      loaded.push({ name, ...PEERS[name], ...(await PEERS[name].load()) });
    } catch (error) {
      loaded.push({ name, ...PEERS[name], error: `n/a: ${firstLine(error)}` });
    }
  }
  return loaded;
}

async function timeAsync(call, samples, minCalls, spanNs, cap) {
  const start = now();
  for (let i = 1; ; i++) {
    const t0 = now();
    await call();
    const t1 = now();
    samples.push(Number(t1 - t0));
    if ((i >= minCalls && t1 - start >= spanNs) || i >= cap) return i;
  }
}

const brief = (value) => {
  const s = value instanceof Uint8Array ? `${value.constructor.name}(${value.length})` : JSON.stringify(value);
  return s === undefined ? String(value) : s.slice(0, 80);
};

async function benchWorkload(w, peers, budget) {
  const runs = peers.map((p) => ({ p, name: p.name, samples: [], cpuUs: 0, calls: 0 }));
  for (const r of runs) {
    if (r.p.error) {
      r.error = r.p.error;
      continue;
    }
    try {
      const call = r.p.make(w);
      if (typeof call === 'string') throw Object.assign(new Error(call), { na: true });
      r.call = call;
      r.time = r.p.isAsync ? timeAsync : timeSync;
      const got = r.p.isAsync ? await call() : call();
      if (!isDeepStrictEqual(got, w.arg)) throw new Error(`wrong result: got ${brief(got)}`);
      r.cap = Math.min(MAX_CALLS_PER_ROUND, r.p.maxCalls ?? Infinity);
      await r.time(call, [], Math.min(w.warmup, r.cap), 0n, r.cap); // warm-up: JIT, worker start, lazy init
    } catch (error) {
      r.error = error.na ? error.message : `BROKEN: ${firstLine(error)}`;
    }
  }
  const rounds = w.rounds ?? ROUNDS;
  const spanNs = BigInt(Math.round((budget * 1e6) / rounds));
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first so nobody always runs right after the same neighbour.
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(round + k) % runs.length];
      if (r.error) continue;
      const minPerRound = Math.ceil(w.minCalls / rounds);
      const cap = r.p.maxCalls ? Math.ceil(r.p.maxCalls / rounds) : MAX_CALLS_PER_ROUND;
      try {
        const c0 = cpuNow();
        r.calls += await r.time(r.call, r.samples, Math.min(minPerRound, cap), spanNs, cap);
        r.cpuUs += cpuNow() - c0;
      } catch (error) {
        r.error = `BROKEN: ${firstLine(error)}`;
      }
    }
  }
  return runs.map((r) => {
    if (r.error) return { workload: w.name, bytes: w.bytes, contender: r.name, error: r.error };
    return { workload: w.name, bytes: w.bytes, contender: r.name, ...summarize(r.samples), cpuPerCallUs: Number((r.cpuUs / r.calls).toPrecision(3)) };
  });
}

// deasync runs in its own process (see lib/deasync-child.cjs); its rows join the others.
function deasyncRows(workloads, budget) {
  const r = spawnSync(process.execPath, [fileURLToPath(here('lib/deasync-child.cjs')), String(budget), workloads.map((w) => w.id).join(',')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  let rows = [];
  try {
    rows = JSON.parse(r.stdout);
  } catch {
    const error = `n/a: ${firstLine(r.stderr || r.error || `exit ${r.status}`)}`;
    rows = workloads.map((w) => ({ workload: w.name, bytes: w.bytes, contender: 'deasync', error }));
  }
  for (const w of workloads.filter((w) => w.transfer))
    rows.push({ workload: w.name, bytes: w.bytes, contender: 'deasync', error: 'n/a: same thread, nothing to transfer' });
  return rows;
}

// Peers measured after the interleaved rounds instead of among them. sync-rpc spawns a process per call
// (~100 ms): a round of its calls next to the others left syncbridge's no-op at 15-19 µs instead of 2-3 µs
// in the rounds that followed, whatever the cause, so it is kept out of them; its calls are 10^4 times
// slower anyway. Ratios still use the syncbridge figure of the same run.
const AFTER_THE_ROUNDS = new Set(['sync-rpc']);

async function latencySection(peerNames, workloads, budget) {
  const peers = await loadPeers(peerNames.filter((p) => p !== 'deasync' && !AFTER_THE_ROUNDS.has(p)));
  let deasync = [];
  if (peerNames.includes('deasync')) {
    log('bench: deasync (own process) ...');
    deasync = deasyncRows(workloads, budget);
  }
  const results = [];
  for (const w of workloads) {
    log(`bench: ${w.name} ...`);
    const rows = await benchWorkload(w, peers, budget);
    rows.push(...deasync.filter((r) => r.workload === w.name));
    const reference = rows.find((r) => r.contender === 'syncbridge' && !r.error)?.median;
    for (const r of rows) if (!r.error && reference) r.xVsSyncbridge = Number((r.median / reference).toPrecision(4));
    results.push(...rows);
  }
  for (const p of peers) await p.close?.();
  const later = await loadPeers(peerNames.filter((p) => AFTER_THE_ROUNDS.has(p)));
  for (const w of workloads) {
    if (later.length === 0) break;
    log(`bench: ${w.name}, ${later.map((p) => p.name).join(', ')} ...`);
    const rows = await benchWorkload(w, later, budget);
    const reference = results.find((r) => r.workload === w.name && r.contender === 'syncbridge' && !r.error)?.median;
    for (const r of rows) if (!r.error && reference) r.xVsSyncbridge = Number((r.median / reference).toPrecision(4));
    const at = results.findLastIndex((r) => r.workload === w.name);
    results.splice(at + 1, 0, ...rows);
  }
  for (const p of later) await p.close?.();
  peers.push(...later);
  const list = peers.map(({ name, version, note }) => ({ name, version, note }));
  if (peerNames.includes('deasync'))
    list.push({
      name: 'deasync',
      version: versionOf('node_modules/deasync/package.json'),
      note: "runs the event loop inside the blocked call (native addon); same thread, nothing copied. Timed in its own process: it hangs when called inside a promise continuation, as this benchmark's loop is",
    });
  return { peers: list, results };
}

// Cold start and idle CPU: a fresh process per measurement (bench/lib/probe.mjs).
function probeSection(peerNames, repeats) {
  const out = [];
  for (const peer of peerNames) {
    const runs = [];
    let error;
    for (let i = 0; i < repeats; i++) {
      const r = spawnSync(process.execPath, [fileURLToPath(here('lib/probe.mjs')), peer], { encoding: 'utf8', timeout: 120_000 });
      const line = r.stdout.trim().split('\n').pop();
      try {
        runs.push(JSON.parse(line));
      } catch {
        error = `n/a: ${firstLine(r.stderr || r.error || `exit ${r.status}`)}`;
        break;
      }
    }
    if (error) {
      out.push({ peer, error });
      continue;
    }
    const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    out.push({
      peer,
      runs: runs.length,
      coldMs: Number(med(runs.map((r) => r.coldMs)).toFixed(1)),
      idleCpuPct: Number(med(runs.map((r) => r.idleCpuPct)).toFixed(3)),
    });
    log(`bench: cold start / idle ${peer}: ${JSON.stringify(out.at(-1))}`);
  }
  return out;
}

// Scale: 1, 2, 4 calling threads, each with its own bridge, calling a no-op at once.
async function threadsSection(peerNames, counts, ms) {
  const out = [];
  for (const peer of peerNames) {
    for (const n of counts) {
      const go = new SharedArrayBuffer(8);
      const flags = new Int32Array(go);
      const workers = Array.from({ length: n }, () => new Worker(here('lib/thread-caller.mjs'), { workerData: { peer, ms, go } }));
      const results = workers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      );
      try {
        const deadline = Date.now() + 60_000;
        while (Atomics.load(flags, 1) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        Atomics.store(flags, 0, 1);
        Atomics.notify(flags, 0);
        const all = (await Promise.all(results)).flat();
        const s = summarize(all);
        out.push({ peer, threads: n, median: s.median, p90: s.p90, callsPerSec: Math.round(all.length / (ms / 1000)) });
      } catch (error) {
        out.push({ peer, threads: n, error: `n/a: ${firstLine(error)}` });
      }
      await Promise.all(workers.map((w) => w.terminate()));
      log(`bench: threads ${peer} x${n}: ${JSON.stringify(out.at(-1))}`);
    }
  }
  return out;
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    runtime,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
}

// ---- main ----
if (isNode) ensurePeers();
const { table } = await import('./lib/report.mjs');
const machine = machineInfo();
let stopHogs;
if (flag('hog')) stopHogs = startHogs();
const latency = selectedWorkloads.length ? await latencySection(selectedPeers, selectedWorkloads, budgetMs) : { peers: [], results: [] };
let remote;
if (remoteSelected) {
  const { remoteSection } = await import('./lib/remote.mjs');
  remote = await remoteSection(budgetMs, log);
}
stopHogs?.();
latency.notes = notes;
// Quiet, then beside its own CPU hog on every core (so after --hog's hogs have stopped).
let shapes;
if (shapesSelected) {
  const { shapesSection } = await import('./lib/shapes.mjs');
  shapes = await shapesSection(budgetMs, log);
}

if (write && shapesOnly) {
  const { writeShapesDocs } = await import('./lib/report.mjs');
  writeFileSync(here('results-shapes.json'), `${JSON.stringify({ machine, shapes }, null, 1)}\n`);
  writeShapesDocs(shapes, machine, here('../docs/benchmarks.md'), here('../docs/benchmarks.svg'));
  log('bench: wrote the shapes section of docs/benchmarks.md, docs/benchmarks.svg and bench/results-shapes.json');
  process.exit(0);
}

if (!write) {
  if (asJson) {
    process.stdout.write(`${JSON.stringify({ machine, config: { budgetMs, rounds: ROUNDS, unit: 'microseconds' }, ...latency, remote, shapes }, null, 2)}\n`);
  } else {
    console.log(`${machine.runtime} | ${machine.platform} | ${machine.cpu} x ${machine.cpuCount} | load ${machine.loadavg.join(' ')} | ${machine.date}`);
    console.log(
      latency.peers
        .filter((p) => p.version)
        .map((p) => `${p.name} ${p.version}`)
        .join(', '),
    );
    if (latency.results.length) {
      console.log(
        `per-call latency in µs, ~${budgetMs} ms per contender per workload over ${ROUNDS} interleaved rounds${flag('hog') ? ', beside a busy loop on every core' : ''}\n`,
      );
      console.log(table(latency.results, false));
    }
    if (remote) {
      const { remoteTables } = await import('./lib/report.mjs');
      console.log(
        `\nremote objects (proxies of worker objects), ~${budgetMs} ms per operation over interleaved rounds${flag('hog') ? ', beside a busy loop on every core' : ''}; ratios to the no-op call of this run\n`,
      );
      console.log(remoteTables(remote, false));
    }
    if (shapes) {
      const { shapesTables, shapesTargets } = await import('./lib/report.mjs');
      console.log(`\nshapes users have (issue 13), ~${budgetMs} ms per contender per in-process shape; syncbridge / synckit of the same run\n`);
      for (const t of shapesTables(shapes, false)) console.log(`${t.title}\n${t.table}\n`);
      console.log(shapesTargets(shapes).join('\n'));
    }
  }
  process.exit(0);
}

// --write: the full set, then docs/benchmarks.md and docs/benchmarks.svg.
const probePeers = ['plain await', 'syncbridge', 'syncbridge (process)', 'synckit', 'make-synchronized', 'make-synchronous', 'sync-rpc']; // deasync: no worker to start, nothing idle
log('bench: cold start and idle CPU (fresh processes) ...');
const probes = probeSection(probePeers, 5);
log('bench: calling threads ...');
const threads = await threadsSection(['syncbridge', 'syncbridge (park only)', 'synckit', 'make-synchronized'], [1, 2, 4], Math.max(300, budgetMs));
log('bench: beside a CPU hog on every core ...');
stopHogs = startHogs();
await new Promise((r) => setTimeout(r, 500));
const hogPeers = ['floor (spin)', 'floor (park)', 'syncbridge', 'syncbridge (park only)', 'synckit', 'make-synchronized'];
const hog = await latencySection(hogPeers, WORKLOADS.slice(0, 3), budgetMs);
hog.loadavg = os.loadavg().map((l) => Number(l.toFixed(2)));
stopHogs();
log('bench: ablation (before/after of each optimisation) ...');
const { ablation } = await import('./ablation.mjs');
const ablations = await ablation(budgetMs);
log('bench: Bun and Deno ...');
const { otherRuntimes } = await import('./lib/runtimes.mjs');
const runtimes = otherRuntimes(Math.max(200, budgetMs / 2));
// The raw figures first: docs can be re-rendered from them (node bench/lib/render.mjs).
writeFileSync(here('results.json'), `${JSON.stringify({ machine, budgetMs, latency, remote, shapes, probes, threads, hog, ablations, runtimes }, null, 1)}\n`);
const { writeDocs } = await import('./lib/report.mjs');
mkdirSync(fileURLToPath(here('../docs')), { recursive: true });
writeDocs(
  { machine, budgetMs, latency, remote, shapes, probes, threads, hog, ablations, runtimes },
  here('../docs/benchmarks.md'),
  here('../docs/benchmarks.svg'),
);
log('bench: wrote docs/benchmarks.md, docs/benchmarks.svg and bench/results.json');
process.exit(0);
