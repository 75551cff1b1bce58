// Before/after of each optimisation, in one process: the same syncbridge build loaded several times
// with its spin tuning set differently (each import with a query string is a separate module copy).
//   node bench/ablation.mjs [--time=MS]
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './lib/workloads.mjs';
import { summarize } from './lib/stats.mjs';

const dist = new URL('../dist/index.mjs', import.meta.url);
const workloadUrl = new URL('fixtures/workload.mjs', import.meta.url);

export const VARIANTS = [
  { name: 'after: adaptive spin + wake allowance (default)', env: {} },
  { name: 'before: adaptive spin, no wake allowance (v0.1 behaviour)', env: { SYNCBRIDGE_WAKE_SPIN_MICROS: '0' } },
  { name: 'park only (no spinning)', env: { SYNCBRIDGE_SPIN_MICROS: '0' } },
];

async function load(variant, i) {
  const saved = {};
  for (const [k, v] of Object.entries(variant.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const lib = await import(`${dist.href}?variant${i}`);
    return { lib, mod: lib.syncify(workloadUrl) };
  } finally {
    for (const k of Object.keys(variant.env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

export async function ablation(budgetMs = 1000) {
  const loaded = await Promise.all(VARIANTS.map(load));
  const workloads = WORKLOADS.filter((w) => ['noop', '1kb', '64k-string'].includes(w.id));
  const rows = [];
  for (const w of workloads) {
    const calls = loaded.map(({ mod }) => ('arg' in w ? () => mod[w.fn](w.arg) : () => mod[w.fn]()));
    for (const call of calls) for (let i = 0; i < w.warmup; i++) call();
    const samples = calls.map(() => []);
    const rounds = 20;
    const span = BigInt(Math.round((budgetMs * 1e6) / rounds));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < calls.length; k++) {
        const j = (round + k) % calls.length;
        const start = process.hrtime.bigint();
        for (let i = 1; ; i++) {
          const a = process.hrtime.bigint();
          calls[j]();
          const b = process.hrtime.bigint();
          samples[j].push(Number(b - a));
          if (i >= w.minCalls / rounds && b - start >= span) break;
        }
      }
    }
    VARIANTS.forEach((v, k) => rows.push({ workload: w.name, variant: v.name, ...summarize(samples[k]) }));
  }
  for (const { lib } of loaded) await lib.close();
  const markdown = [
    '| workload | variant | median µs | p10 | p90 | p99 |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.workload} | ${r.variant} | ${r.median} | ${r.p10} | ${r.p90} | ${r.p99} |`),
  ].join('\n');
  return { rows, markdown };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const budget = Number(process.argv.find((a) => a.startsWith('--time='))?.slice(7) ?? 1000);
  console.log((await ablation(budget)).markdown);
  process.exit(0);
}
