// The shapes users have (issue 13): not long runs of back-to-back calls after a long warm-up, but
//   fresh     a fresh process's first 2,000 calls after 200 warm-up calls (a lint rule, a transform):
//             each contender in its own child process (bench/lib/shapes-child.mjs), several processes
//             per contender, alternating;
//   gaps      the caller's own work (a busy loop on the calling thread) of 0, 10 µs, 100 µs and 1 ms
//             before each no-op call, in this process, contenders alternating; the work is not in the
//             per-call time, but the CPU of all threads is (what spinning through the gap costs);
//   payloads  ~1 KB, 64 KiB string, 1 MiB and 64 MiB bytes echoed, copied and transferred;
//   idle      CPU after the last call (each fresh no-op process, from its last call on; and this process
//             with every contender's worker alive).
// shapesSection() runs them all on a quiet machine and again beside a CPU hog on every core.
// Nothing here asserts a timing: noisy figures are reported, never failed on.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { startHogs } from './hog.mjs';
import { CONTENDERS } from './shape-contenders.mjs';
import { summarize } from './stats.mjs';
import { cpuNow, idleAfterCalls, threadCpuNow, timeSyncWithGap } from './timing.mjs';
import { WORKLOADS } from './workloads.mjs';

const childScript = fileURLToPath(new URL('./shapes-child.mjs', import.meta.url));
const firstLine = (error) => String(error?.message ?? error).split('\n')[0];
const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const tick = () => new Promise((resolve) => setImmediate(resolve));
const round3 = (x) => Number(x.toPrecision(3));

export const GAPS_US = [0, 10, 100, 1000];
export const PAYLOAD_IDS = ['1kb', '64k-string', '1m-copy', '1m-transfer', '64m-copy', '64m-transfer'];
export const FRESH = [
  { id: 'noop', name: 'noop' },
  { id: '1kb', name: 'echo ~1 KB object' },
];
const ROUNDS = 10;
const SKIP = 3; // calls at the start of each round not kept: the first after another contender's round

/** The configuration for a budget (ms per contender per shape; --time): smoke runs are shorter. */
export function shapesConfig(budgetMs) {
  return {
    budgetMs,
    freshProcesses: Math.max(2, Math.min(8, Math.round(budgetMs / 150))), // per contender per workload
    warmup: 200,
    calls: 2000,
    idleMs: Math.min(1000, Math.max(200, budgetMs)),
  };
}

function freshShape(config, log) {
  const compared = CONTENDERS.filter((c) => c.compared);
  const runs = new Map(); // `${workload}|${contender}` -> child results
  for (let rep = 0; rep < config.freshProcesses; rep++) {
    for (const w of FRESH) {
      for (let k = 0; k < compared.length; k++) {
        const c = compared[(rep + k) % compared.length]; // who goes first alternates
        const key = `${w.id}|${c.name}`;
        const list = runs.get(key) ?? runs.set(key, []).get(key);
        if (list.error) continue;
        const idleMs = w.id === 'noop' ? config.idleMs : 0;
        const r = spawnSync(process.execPath, [childScript, c.name, w.id, String(config.warmup), String(config.calls), String(idleMs)], {
          encoding: 'utf8',
          timeout: 120_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        try {
          const out = JSON.parse(r.stdout.trim().split('\n').pop());
          if (out.error) list.error = out.error;
          else list.push(out);
        } catch {
          list.error = `BROKEN: ${firstLine(r.stderr || r.error || `exit ${r.status}`)}`;
        }
      }
    }
    log(`bench: shapes, fresh processes ${rep + 1}/${config.freshProcesses}`);
  }
  const rows = [];
  for (const w of FRESH) {
    for (const c of compared) {
      const list = runs.get(`${w.id}|${c.name}`);
      if (list.error || list.length === 0) {
        rows.push({ workload: w.name, contender: c.name, error: list.error ?? 'n/a: no process finished' });
        continue;
      }
      const medians = list.map((x) => summarize(x.samples).median).sort((a, b) => a - b);
      const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
      const idle = list.map((x) => x.idleCpuPct).filter((x) => typeof x === 'number');
      const tail = list.map((x) => x.tailCpuPct).filter((x) => typeof x === 'number');
      rows.push({
        workload: w.name,
        contender: c.name,
        processes: list.length,
        ...summarize(list.flatMap((x) => x.samples)),
        processMedians: [medians[0], medians.at(-1)],
        cpuPerCallUs: round3(list.reduce((s, x) => s + x.cpuUs, 0) / list.reduce((s, x) => s + x.n, 0)),
        ...(idle.length ? { idleCpuPct: round3(med(idle)), idleCpuPctMax: round3(Math.max(...idle)), tailCpuPct: round3(med(tail)) } : {}),
      });
    }
  }
  return rows;
}

/** In-process rounds, contenders alternating; each `entry` has `call`. Fills samples, calls, cpuUs, workNs. */
async function interleave(entries, { gapNs = 0, rounds, spanNs, minPerRound, cap = 50_000, skip = SKIP }) {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[(round + k) % entries.length];
      if (e.error) continue;
      try {
        const m0 = threadCpuNow();
        const c0 = cpuNow();
        const { calls, workNs } = timeSyncWithGap(e.call, e.samples, gapNs, minPerRound, spanNs, cap, skip);
        e.cpuUs += cpuNow() - c0;
        const m1 = threadCpuNow();
        e.mainUs = m0 === undefined || m1 === undefined || e.mainUs === undefined ? undefined : e.mainUs + m1 - m0;
        e.calls += calls;
        e.workNs += workNs;
      } catch (error) {
        e.error = `BROKEN: ${firstLine(error)}`;
      }
      await tick();
    }
  }
}

function prepare(loaded, w) {
  return loaded.map((c) => {
    const e = { name: c.name, samples: [], calls: 0, cpuUs: 0, workNs: 0, mainUs: 0 };
    if (c.error) return { ...e, error: c.error };
    try {
      const call = c.make(w);
      if (typeof call === 'string') return { ...e, error: call };
      const got = call();
      if (!isDeepStrictEqual(got, w.arg)) throw new Error('wrong result');
      for (let i = 1; i < (w.warmup ?? 200); i++) call();
      return { ...e, call };
    } catch (error) {
      return { ...e, error: `BROKEN: ${firstLine(error)}` };
    }
  });
}

const rowOf = (e, extra) =>
  e.error
    ? { ...extra, contender: e.name, error: e.error }
    : {
        ...extra,
        contender: e.name,
        ...summarize(e.samples),
        // All threads of this process over the rounds, the caller's work taken out (its wall time: exact on
        // a quiet machine; beside a hog the work's wall time includes time the caller waited for a core,
        // so this is a lower bound there).
        cpuPerCallUs: round3(Math.max(0, e.cpuUs - e.workNs / 1e3) / e.calls),
        cpuWithWorkUs: round3(e.cpuUs / e.calls),
        // The threads other than the caller (the worker spinning through the gap, or being woken).
        ...(e.mainUs === undefined ? {} : { otherThreadsCpuUs: round3(Math.max(0, e.cpuUs - e.mainUs) / e.calls) }),
      };

async function gapShape(loaded, config, log) {
  const noop = { name: 'noop', fn: 'noop', warmup: 200 };
  const rows = [];
  for (const gapUs of GAPS_US) {
    const entries = prepare(loaded, noop);
    const spanNs = BigInt(Math.round((config.budgetMs * 1e6) / ROUNDS));
    await interleave(entries, { gapNs: gapUs * 1000, rounds: ROUNDS, spanNs, minPerRound: Math.ceil((gapUs >= 1000 ? 100 : 200) / ROUNDS) });
    for (const e of entries) rows.push(rowOf(e, { gapUs }));
    log(`bench: shapes, ${gapUs} µs of caller work before each call`);
  }
  return rows;
}

async function payloadShape(loaded, config, log) {
  const rows = [];
  for (const id of PAYLOAD_IDS) {
    const w = WORKLOADS.find((x) => x.id === id);
    const entries = prepare(loaded, w);
    const rounds = w.rounds ?? ROUNDS;
    const spanNs = BigInt(Math.round((config.budgetMs * 1e6) / rounds));
    // No calls dropped at a round's start here: a 64 MiB round is a handful of calls.
    await interleave(entries, { rounds, spanNs, minPerRound: Math.ceil(w.minCalls / rounds), skip: 0 });
    for (const e of entries) rows.push(rowOf(e, { workload: w.name, bytes: w.bytes, transfer: Boolean(w.transfer) }));
    log(`bench: shapes, ${w.name}`);
  }
  return rows;
}

async function onePass(config, log, hog) {
  const stop = hog ? startHogs() : undefined;
  try {
    if (hog) await new Promise((r) => setTimeout(r, 500));
    const start = loadavg();
    const fresh = freshShape(config, log);
    const loaded = [];
    for (const c of CONTENDERS) {
      try {
        loaded.push({ name: c.name, compared: c.compared, ...(await c.load()) });
      } catch (error) {
        loaded.push({ name: c.name, compared: c.compared, error: `n/a: ${firstLine(error)}` });
      }
    }
    const gaps = await gapShape(loaded, config, log);
    // This process, every contender's worker alive, right after the last no-op call (before the payloads,
    // whose freed 64 MiB buffers keep V8's collector busy for a while after them).
    const idleHere = await idleAfterCalls(config.idleMs);
    const payloads = await payloadShape(
      loaded.filter((c) => c.compared),
      config,
      log,
    );
    for (const c of loaded) await c.close?.();
    return {
      hog,
      loadavg: { start, end: loadavg() },
      fresh,
      gaps,
      payloads,
      idleHere: { tailCpuPct: round3(idleHere.tailCpuPct), idleCpuPct: round3(idleHere.idleCpuPct) },
    };
  } finally {
    stop?.();
  }
}

/** Every shape on a quiet machine, then beside a CPU hog on every core. */
export async function shapesSection(budgetMs, log) {
  const config = shapesConfig(budgetMs);
  const contenders = CONTENDERS.map(({ name, note, compared, floor }) => ({ name, note, compared: Boolean(compared), floor: Boolean(floor) }));
  log('bench: shapes (issue 13), quiet ...');
  const quiet = await onePass(config, log, false);
  log('bench: shapes (issue 13), beside a CPU hog on every core ...');
  const hog = await onePass(config, log, true);
  return { config, contenders, cpuCount: os.cpus().length, quiet, hog };
}
