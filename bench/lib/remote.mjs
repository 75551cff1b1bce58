// Remote objects (issue 10): results that are class instances, functions or async iterables cross by
// reference as synchronous proxies. Each use of a proxy is one or more round trips; this section times them
// against the plain no-op call of the same run (interleaved rounds, like the latency section), and a
// 100,000-item for…of over a remote async generator against the same loop with `for await` in-process.
import { summarize } from './stats.mjs';
import { cpuNow, now, timeSync } from './timing.mjs';
import { distUrl } from './peers.mjs';

const here = (path) => new URL(path, import.meta.url);
const fixtureUrl = here('../fixtures/remote.mjs');
const ROUNDS = 20;
const MAX_CALLS_PER_ROUND = 50_000;
export const ITEMS = 100_000;
/** The worker's batch size (src/worker/objects.ts BATCH_ITEMS): a pass takes ~ITEMS/256 round trips + the open. */
const BATCH_ITEMS = 256;

const round3 = (x) => Number(x.toPrecision(4));

const identity = (x) => x;

/** @returns {{ ops: object[], iteration: object[], items: number }} */
export async function remoteSection(budgetMs, log = () => {}) {
  // Its own module instance (the query string), so its worker is not the latency section's.
  const lib = await import(`${distUrl.href}?remote`);
  const local = await import(fixtureUrl.href);
  const mod = lib.syncify(fixtureUrl);
  try {
    const client = new mod.Client();
    const ops = [
      { name: 'no-op call (reference)', what: 'mod.noop()', roundTrips: 1, call: () => mod.noop() },
      { name: 'method call', what: 'client.whoami()', roundTrips: 1, call: () => client.whoami() },
      { name: 'property read', what: 'client.model', roundTrips: 1, call: () => client.model },
      { name: 'chain of three', what: 'client.a.b.method()', roundTrips: 3, call: () => client.a.b.method() },
      { name: 'SDK-shaped chain (plain object, copied)', what: 'client.plain.b.method()', roundTrips: 2, call: () => client.plain.b.method() },
      // One call that calls back once: the call, the callback's call and its answer.
      { name: 'call with one callback round trip', what: 'mod.callBack((x) => x)', roundTrips: 2, call: () => mod.callBack(identity) },
    ].map((op) => ({ ...op, samples: [], calls: 0, cpuUs: 0 }));
    if (client.model !== 'tiny') throw new Error(`property read: got ${client.model}`);
    log('bench: remote objects, per-op latency ...');
    for (const op of ops) timeSync(op.call, [], 200, 0n, 200); // warm-up: JIT, worker start, proxies made
    const spanNs = BigInt(Math.round((budgetMs * 1e6) / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < ops.length; k++) {
        const op = ops[(round + k) % ops.length];
        const c0 = cpuNow();
        op.calls += timeSync(op.call, op.samples, 10, spanNs, MAX_CALLS_PER_ROUND);
        op.cpuUs += cpuNow() - c0;
      }
    }
    const rows = ops.map(({ name, what, roundTrips, samples, calls, cpuUs }) => ({
      name,
      what,
      roundTrips,
      ...summarize(samples),
      cpuPerCallUs: round3(cpuUs / calls),
    }));
    const noop = rows[0].median;
    for (const r of rows) {
      r.xVsNoop = round3(r.median / noop);
      r.perRoundTripXNoop = round3(r.median / r.roundTrips / noop);
    }

    // Iteration: whole passes over ITEMS items, the bridge's and the in-process loop's alternating.
    log(`bench: remote objects, iterating ${ITEMS} items ...`);
    const expected = (ITEMS * (ITEMS - 1)) / 2;
    const passes = Math.max(3, Math.round(budgetMs / 200));
    const viaBridge = (n) => {
      let sum = 0;
      for (const x of mod.items(n)) sum += x.i;
      return sum;
    };
    const inProcess = async (n) => {
      let sum = 0;
      for await (const x of local.items(n)) sum += x.i;
      return sum;
    };
    viaBridge(10_000); // warm-up
    await inProcess(10_000);
    const runs = [
      { name: 'sync for…of via syncbridge', what: 'for (const x of mod.items(1e5))', pass: viaBridge, ms: [], cpuUs: 0 },
      { name: 'for await, in-process (baseline)', what: 'for await (const x of items(1e5))', pass: inProcess, ms: [], cpuUs: 0 },
    ];
    for (let p = 0; p < passes; p++) {
      for (const run of p % 2 ? [...runs].reverse() : runs) {
        const c0 = cpuNow();
        const t0 = now();
        const sum = await run.pass(ITEMS);
        const ms = Number(now() - t0) / 1e6;
        run.cpuUs += cpuNow() - c0;
        if (sum !== expected) throw new Error(`${run.name}: wrong items (sum ${sum}, expected ${expected})`);
        run.ms.push(ms);
      }
    }
    const iteration = runs.map(({ name, what, ms, cpuUs }) => {
      const s = summarize(ms.map((x) => x * 1e6)); // ns per pass, summarized in µs: divide by 1e3 below for ms
      const medianMs = s.median / 1e3;
      return {
        name,
        what,
        passes: ms.length,
        medianMs: round3(medianMs),
        p90Ms: round3(s.p90 / 1e3),
        itemsPerSec: Math.round(ITEMS / (medianMs / 1e3)),
        perItemUs: round3((medianMs * 1e3) / ITEMS),
        cpuPerItemUs: round3(cpuUs / (ms.length * ITEMS)),
      };
    });
    const [bridge, base] = iteration;
    bridge.xVsBaseline = round3(bridge.medianMs / base.medianMs);
    base.xVsBaseline = 1;
    for (const r of iteration) r.perItemXNoop = round3(r.perItemUs / noop);
    bridge.roundTrips = Math.ceil(ITEMS / BATCH_ITEMS) + 1;
    bridge.perRoundTripUs = round3((bridge.medianMs * 1e3) / bridge.roundTrips);
    return { ops: rows, iteration, items: ITEMS, noopMedianUs: noop };
  } finally {
    await lib.close();
  }
}
