// Runs in a fresh process for one peer: the cold start (import, set-up and first call, worker start
// included), then CPU per call over warm calls, then the CPU the process uses while idle between calls.
//   node bench/lib/probe.mjs <peer>   prints one line of JSON
const t0 = performance.now();
const { PEERS } = await import('./peers.mjs');
const name = process.argv[2];
const loaded = await PEERS[name].load();
const call = loaded.make({ name: 'noop', fn: 'noop' });
const first = PEERS[name].isAsync ? await call() : call();
void first;
const coldMs = performance.now() - t0;

// The idle measurement: after a burst of calls the worker(s) stay alive and the event loop is free.
const calls = PEERS[name].maxCalls ?? 200;
for (let i = 0; i < calls; i++) PEERS[name].isAsync ? await call() : call();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(50); // let the spin tail (if any) end before the window
const idleMs = 2000;
const before = process.cpuUsage();
const w0 = performance.now();
await sleep(idleMs);
const used = process.cpuUsage(before);
const wall = performance.now() - w0;
const idleCpuPct = ((used.user + used.system) / 1e3 / wall) * 100;
process.stdout.write(`${JSON.stringify({ peer: name, coldMs, idleCpuPct })}\n`);
process.exit(0);
