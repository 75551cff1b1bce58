// One fresh process of bench/learned-spin.mjs: one contender, its first 2,000 no-op calls after 200 warm-up
// calls, then caller work of 0, 10 µs, 100 µs and 1 ms before each no-op call, then idle CPU after the last.
//   node bench/lib/learned-spin-child.mjs <synckit | dist/index.mjs URL> <ms per gap>   one line of JSON
// The spin's environment variables (SYNCBRIDGE_SPIN_MICROS=0: park only) come from the parent.
import { cpuNow, idleAfterCalls, threadCpuNow, timeSync, timeSyncWithGap } from './timing.mjs';

const [who, msPerGap] = process.argv.slice(2);
const workload = new URL('../fixtures/workload.mjs', import.meta.url);
let call;
if (who === 'synckit') {
  const { PEERS } = await import('./peers.mjs');
  call = (await PEERS.synckit.load()).make({ fn: 'noop' });
} else {
  const lib = await import(who);
  const mod = lib.syncify(workload);
  call = () => mod.noop();
}
const out = {};
const measure = (fn) => {
  const c0 = cpuNow();
  const m0 = threadCpuNow();
  const r = fn();
  const cpuUs = cpuNow() - c0;
  const mainUs = threadCpuNow() - m0;
  return { ...r, cpuUs, otherUs: Math.max(0, cpuUs - mainUs) };
};
call();
timeSync(call, [], 199, 0n, 199);
{
  const samples = [];
  const r = measure(() => ({ calls: timeSync(call, samples, 2000, 0n, 2000), workNs: 0 }));
  out.fresh = { samples, ...r };
}
for (const gapUs of [0, 10, 100, 1000]) {
  const samples = [];
  const spanNs = BigInt(Math.round(Number(msPerGap) * 1e6));
  const r = measure(() => timeSyncWithGap(call, samples, gapUs * 1000, gapUs >= 1000 ? 100 : 200, spanNs, 20_000, 20));
  out[`gap${gapUs}`] = { samples, ...r, calls: r.calls - 20 };
}
out.idle = await idleAfterCalls(1000);
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
