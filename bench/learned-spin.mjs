// The learned spin (issue 13), before and after in the same run: syncbridge built in two checkouts, its
// park-only design (SYNCBRIDGE_SPIN_MICROS=0) and synckit, each in fresh processes, alternating:
//   node bench/learned-spin.mjs <before dir> <after dir> [--processes=5] [--time=250] [--hog]
// Per contender: a fresh process's 2,000 no-op calls after 200 warm-up; caller work of 0 / 10 µs / 100 µs /
// 1 ms before each no-op call (the work not in the latency; CPU per call is all threads minus the work,
// "other" the threads other than the caller's: the worker's spinning or waking); idle CPU after the last call.
// Medians and p90 pool every process's calls; in brackets the lowest and highest per-process median.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startHogs } from './lib/hog.mjs';

const argv = process.argv.slice(2);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dirs = argv.filter((a) => !a.startsWith('--'));
if (dirs.length !== 2) throw new Error('usage: node bench/learned-spin.mjs <before dir> <after dir> [--processes=5] [--time=250] [--hog]');
const processes = Number(option('processes') ?? 5);
const ms = Number(option('time') ?? 250);
const hog = argv.includes('--hog');
const href = (dir) => pathToFileURL(resolve(dir, 'dist/index.mjs')).href;
const contenders = [
  { name: 'before', who: href(dirs[0]) },
  { name: 'after', who: href(dirs[1]) },
  { name: 'park only', who: href(dirs[1]), env: { SYNCBRIDGE_SPIN_MICROS: '0' } },
  { name: 'synckit', who: 'synckit' },
];
const child = fileURLToPath(new URL('lib/learned-spin-child.mjs', import.meta.url));
const shapes = ['fresh', 'gap0', 'gap10', 'gap100', 'gap1000'];
const quantile = (s, q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
const med = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const stop = hog ? startHogs() : undefined;
try {
  if (hog) await new Promise((r) => setTimeout(r, 500));
  console.log(
    `node ${process.version} | ${os.cpus()[0]?.model} x ${os.cpus().length} | load ${load()} | ${new Date().toISOString()}${hog ? ' | beside a CPU hog on every core' : ''}`,
  );
  const runs = new Map(contenders.map((c) => [c.name, []]));
  for (let p = 0; p < processes; p++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(p + k) % contenders.length];
      const r = spawnSync(process.execPath, [child, c.who, String(ms)], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, ...c.env },
        maxBuffer: 256 << 20,
      });
      if (r.status !== 0) throw new Error(`${c.name}: ${r.stderr || r.error}`);
      runs.get(c.name).push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
    process.stderr.write(`processes ${p + 1}/${processes}\n`);
  }
  console.log(`${processes} processes per contender, ${ms} ms per gap per process; load at the end ${load()}\n`);
  console.log('shape     contender   median µs (per-process min–max)   p90 µs   CPU µs/call (other threads)   ÷ synckit median');
  const table = {};
  for (const s of shapes) {
    for (const c of contenders) {
      const list = runs.get(c.name).map((r) => r[s]);
      const all = list.flatMap((x) => x.samples.map((n) => n / 1e3)).sort((a, b) => a - b);
      const medians = list.map((x) => med(x.samples) / 1e3).sort((a, b) => a - b);
      const calls = list.reduce((t, x) => t + x.calls, 0);
      const cpu =
        Math.max(
          0,
          list.reduce((t, x) => t + x.cpuUs - x.workNs / 1e3, 0),
        ) / calls;
      const other = list.reduce((t, x) => t + x.otherUs, 0) / calls;
      table[`${s}|${c.name}`] = { median: quantile(all, 0.5), p90: quantile(all, 0.9), range: [medians[0], medians.at(-1)], cpu, other };
    }
    for (const c of contenders) {
      const t = table[`${s}|${c.name}`];
      const ratio = t.median / table[`${s}|synckit`].median;
      console.log(
        `${s.padEnd(9)} ${c.name.padEnd(11)} ${`${f(t.median)} (${f(t.range[0])}–${f(t.range[1])})`.padEnd(33)} ${f(t.p90).padEnd(8)} ${`${f(t.cpu)} (${f(t.other)})`.padEnd(29)} ${ratio.toFixed(3)} (${ratio < 1 ? `${(1 / ratio).toFixed(1)}x faster` : `${ratio.toFixed(2)}x slower`})`,
      );
    }
  }
  console.log('\nidle CPU after the last call, % of a core: first 100 ms, next 1000 ms (median; highest)');
  for (const c of contenders) {
    const idle = runs.get(c.name).map((r) => r.idle);
    console.log(
      `${c.name.padEnd(11)} ${f(med(idle.map((x) => x.tailCpuPct)))}%  ${med(idle.map((x) => x.idleCpuPct)).toFixed(3)}% (${Math.max(...idle.map((x) => x.idleCpuPct)).toFixed(3)}%)`,
    );
  }
} finally {
  stop?.();
}
