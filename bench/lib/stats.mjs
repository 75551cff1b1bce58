// Order statistics over per-call samples. Percentiles, not means: latency
// distributions here are long-tailed (GC, scheduler), and a mean hides that.

// Linear interpolation between closest ranks (the usual "type 7" definition).
function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** @param {number[]} samplesNs per-call latencies in nanoseconds */
export function summarize(samplesNs) {
  const sorted = Float64Array.from(samplesNs).sort();
  const us = (q) => Math.round(quantile(sorted, q)) / 1e3; // whole ns: finer is timer noise
  return { n: sorted.length, median: us(0.5), p10: us(0.1), p90: us(0.9), p99: us(0.99) };
}
