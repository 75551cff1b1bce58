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
