// deasync cannot be timed from inside the benchmark's async loop: it settles promises by running the
// microtask queue itself, which cannot happen inside a running microtask (the call hangs). So it runs
// here, at a script's top level, in its own process: node bench/lib/deasync-child.cjs <budgetMs> <ids>
const deasync = require('deasync');
async function main() {
  const { WORKLOADS } = await import('./workloads.mjs');
  const workload = await import('../fixtures/workload.mjs');
  const { summarize } = await import('./stats.mjs');
  return { WORKLOADS, workload, summarize };
}
let loaded;
main().then((x) => (loaded = x));
deasync.loopWhile(() => !loaded);
const { WORKLOADS, workload, summarize } = loaded;
const sync = deasync((name, x, done) => {
  workload[name](x).then(
    (r) => setImmediate(done, null, r),
    (e) => setImmediate(done, e),
  );
});
const budgetMs = Number(process.argv[2] ?? 1000);
const ids = (process.argv[3] ?? '').split(',');
const { isDeepStrictEqual } = require('node:util');
const out = [];
for (const w of WORKLOADS.filter((w) => ids.includes(w.id) && !w.transfer)) {
  const call = 'arg' in w ? () => sync(w.fn, w.arg) : () => sync(w.fn, undefined);
  try {
    if (!isDeepStrictEqual(call(), w.arg)) throw new Error('wrong result');
    for (let i = 0; i < w.warmup; i++) call();
    const samples = [];
    const c0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const span = BigInt(budgetMs * 1e6);
    for (let i = 1; ; i++) {
      const a = process.hrtime.bigint();
      call();
      const b = process.hrtime.bigint();
      samples.push(Number(b - a));
      if ((i >= w.minCalls && b - start >= span) || i >= 500_000) break;
    }
    const c = process.cpuUsage(c0);
    out.push({
      workload: w.name,
      bytes: w.bytes,
      contender: 'deasync',
      ...summarize(samples),
      cpuPerCallUs: Number(((c.user + c.system) / samples.length).toPrecision(3)),
    });
  } catch (error) {
    out.push({ workload: w.name, bytes: w.bytes, contender: 'deasync', error: `BROKEN: ${error.message}` });
  }
}
process.stdout.write(JSON.stringify(out));
