// One process of bench/compare-builds.mjs: the no-op and the ~1 KB echo through one build of syncbridge,
// and any of bench/lib/workloads.mjs's copied payloads (64k-string, 1m-copy, 64m-copy) when named.
//   node bench/lib/build-child.mjs <dist/index.mjs URL> <ms per workload> [ids,comma-separated]   prints one line of JSON
import os from 'node:os';
import { summarize } from './stats.mjs';
import { smallObject } from '../fixtures/payloads.mjs';
import { WORKLOADS } from './workloads.mjs';

const [distHref, msArg, idsArg] = process.argv.slice(2);
const ids = (idsArg ?? 'noop,1kb').split(',');
const budgetMs = Number(msArg ?? 1000);
const ROUNDS = 20;
const now = process.hrtime.bigint;
const lib = await import(distHref);
// The same fixture file for every build: only the library differs.
const mod = lib.syncify(new URL('../fixtures/workload.mjs', import.meta.url));
const arg = smallObject();
const payload = (id) => {
  const w = WORKLOADS.find((x) => x.id === id && !x.transfer);
  if (!w) throw new Error(`build-child: no copied workload ${id}`);
  return { id, call: () => mod.echo(w.arg), samples: [], cpuUs: 0, warmup: w.warmup, minCalls: Math.max(1, Math.ceil(w.minCalls / ROUNDS)) };
};
const workloads = ids.map((id) =>
  id === 'noop'
    ? { id, call: () => mod.noop(), samples: [], cpuUs: 0, warmup: 200, minCalls: 10 }
    : id === '1kb'
      ? { id, call: () => mod.echo(arg), samples: [], cpuUs: 0, warmup: 200, minCalls: 10 }
      : payload(id),
);
const loadBefore = os.loadavg()[0];
for (const w of workloads) for (let i = 0; i < w.warmup; i++) w.call(); // warm-up: JIT, worker start
const spanNs = BigInt(Math.round((budgetMs * 1e6) / ROUNDS));
for (let round = 0; round < ROUNDS; round++) {
  for (const w of round % 2 ? [...workloads].reverse() : workloads) {
    const c0 = process.cpuUsage();
    const start = now();
    for (let i = 1; ; i++) {
      const t0 = now();
      w.call();
      const t1 = now();
      w.samples.push(Number(t1 - t0));
      if (i >= w.minCalls && t1 - start >= spanNs) break;
    }
    const c = process.cpuUsage(c0);
    w.cpuUs += c.user + c.system;
  }
}
await lib.close();
const out = { load: [loadBefore, os.loadavg()[0]].map((l) => Number(l.toFixed(2))) };
// CPU µs/call: the whole process (caller and worker threads) over the timed calls.
for (const w of workloads) out[w.id] = { ...summarize(w.samples), cpuUs: Number((w.cpuUs / w.samples.length).toPrecision(4)) };
process.stdout.write(`${JSON.stringify(out)}\n`);
