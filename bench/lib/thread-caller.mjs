// One calling thread of the scaling test: loads the peer in this thread, waits for the start signal,
// makes no-op calls for `ms`, and posts back its per-call samples (ns).
import { parentPort, workerData } from 'node:worker_threads';
import { PEERS } from './peers.mjs';

const { peer, ms, go } = workerData;
const loaded = await PEERS[peer].load();
const call = loaded.make({ name: 'noop', fn: 'noop' });
for (let i = 0; i < 200; i++) call();
const flag = new Int32Array(go);
Atomics.add(flag, 1, 1);
Atomics.notify(flag, 1);
Atomics.wait(flag, 0, 0);
const samples = [];
const end = process.hrtime.bigint() + BigInt(ms * 1e6);
for (;;) {
  const a = process.hrtime.bigint();
  call();
  const b = process.hrtime.bigint();
  samples.push(Number(b - a));
  if (b > end || samples.length >= 200_000) break;
}
parentPort.postMessage(samples);
await loaded.close?.();
process.exit(0);
