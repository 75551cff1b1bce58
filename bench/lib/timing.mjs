import { readFileSync } from 'node:fs';

// Per-call timing, shared by the latency table (run.mjs) and the remote-objects section (remote.mjs).
export const now = process.hrtime.bigint;

/** Times each call separately, at least `minCalls` of them and until `spanNs` has passed (or the cap). */
export function timeSync(call, samples, minCalls, spanNs, cap) {
  const start = now();
  for (let i = 1; ; i++) {
    const t0 = now();
    call();
    const t1 = now();
    samples.push(Number(t1 - t0));
    if ((i >= minCalls && t1 - start >= spanNs) || i >= cap) return i;
  }
}

/** CPU time of this process so far (all its threads), in µs. */
export const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * CPU time of the calling (main) thread alone so far, in µs, from Linux's /proc/<pid>/task/<pid>/schedstat
 * (ns resolution), or undefined where there is none. Process CPU minus this is the other threads' CPU: the
 * workers' spinning and waking. One read costs ~10 µs: per round, not per call.
 */
export function threadCpuNow() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  } catch {
    return undefined;
  }
}

/** The caller's own work between calls: a busy loop on the calling thread for `ns` nanoseconds (wall). */
export function busyFor(ns) {
  if (ns <= 0) return 0;
  const t0 = now();
  const end = t0 + BigInt(ns);
  let t = t0;
  while (t < end) t = now();
  return Number(t - t0);
}

/**
 * Times each call separately with `gapNs` of the caller's work before it (the work is not in the sample),
 * at least `minCalls` timed calls and until `spanNs` has passed (or the cap). The first `skip` calls run but
 * are not kept (the change of contender between rounds). Returns the calls made and the work's total ns.
 */
export function timeSyncWithGap(call, samples, gapNs, minCalls, spanNs, cap, skip = 0) {
  const start = now();
  let workNs = 0;
  for (let i = 1; ; i++) {
    workNs += busyFor(gapNs);
    const t0 = now();
    call();
    const t1 = now();
    if (i > skip) samples.push(Number(t1 - t0));
    if ((i - skip >= minCalls && t1 - start >= spanNs) || i - skip >= cap) return { calls: i, workNs };
  }
}

/** CPU this process uses (all threads) over the next `ms` of wall time, with nothing to do: % of one core. */
export async function idleCpuPct(ms) {
  const c0 = cpuNow();
  const w0 = now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpuUs = cpuNow() - c0;
  const wallUs = Number(now() - w0) / 1e3;
  return (cpuUs / wallUs) * 100;
}

/**
 * Idle CPU right after the last call: the first `tailMs` (a spin tail, V8 finishing its background work),
 * then the `ms` after it (steady idle: anything still spinning shows here), each as % of one core.
 */
export async function idleAfterCalls(ms, tailMs = 100) {
  const tailCpuPct = await idleCpuPct(tailMs);
  return { tailCpuPct, idleCpuPct: await idleCpuPct(ms) };
}
