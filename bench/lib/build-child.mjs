// One process of bench/compare-builds.mjs: the no-op and the ~1 KB echo through one build of syncbridge.
//   node bench/lib/build-child.mjs <dist/index.mjs URL> <ms per workload>   prints one line of JSON
import os from 'node:os';
import { summarize } from './stats.mjs';
import { smallObject } from '../fixtures/payloads.mjs';

const [distHref, msArg] = process.argv.slice(2);
const budgetMs = Number(msArg ?? 1000);
const ROUNDS = 20;
const now = process.hrtime.bigint;
const lib = await import(distHref);
// The same fixture file for every build: only the library differs.
const mod = lib.syncify(new URL('../fixtures/workload.mjs', import.meta.url));
const arg = smallObject();
const workloads = [
  { id: 'noop', call: () => mod.noop(), samples: [], cpuUs: 0 },
  { id: '1kb', call: () => mod.echo(arg), samples: [], cpuUs: 0 },
];
const loadBefore = os.loadavg()[0];
for (const w of workloads) for (let i = 0; i < 200; i++) w.call(); // warm-up: JIT, worker start
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
      if (i >= 10 && t1 - start >= spanNs) break;
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
