// The floor of the technique: a minimal, hand-written SharedArrayBuffer + Atomics ping-pong between the
// calling thread and one worker thread, with no serialization, no checks and nothing else. Two modes:
//   spin  both sides spin on the shared word (never park): the fastest a blocking call can be here;
//   park  both sides only Atomics.wait / Atomics.notify: the design that never spins.
import { Worker } from 'node:worker_threads';

// The worker answers each request by bumping the word; the caller blocks until it does.
// Between the floor's own rounds its worker must not keep spinning: a thread spinning on a 2-core machine
// takes a core from every other contender measured meanwhile. So the spinning worker parks after 2 ms
// without a request (words[2] says so, and the caller then wakes it); calls made back to back never park.
const workerSource = `
const { workerData } = require('node:worker_threads')
const words = new Int32Array(workerData.buffer)
const spin = workerData.mode === 'spin'
let seen = 0
for (;;) {
  if (spin) {
    let deadline = Date.now() + 2
    for (let i = 0; Atomics.load(words, 0) === seen; i++) {
      if ((i & 1023) === 0 && Date.now() > deadline) {
        Atomics.store(words, 2, 1)
        Atomics.wait(words, 0, seen)
        Atomics.store(words, 2, 0)
        deadline = Date.now() + 2
      }
    }
  } else Atomics.wait(words, 0, seen)
  seen = Atomics.load(words, 0)
  if (seen < 0) break
  Atomics.store(words, 1, seen)
  if (!spin) Atomics.notify(words, 1)
}
`;

export function pingPong(mode) {
  const buffer = new SharedArrayBuffer(12);
  const words = new Int32Array(buffer);
  const worker = new Worker(workerSource, { eval: true, workerData: { buffer, mode } });
  worker.unref();
  const spin = mode === 'spin';
  let seq = 0;
  return {
    call() {
      seq++;
      Atomics.store(words, 0, seq);
      if (spin) {
        if (Atomics.load(words, 2) === 1) Atomics.notify(words, 0);
        while (Atomics.load(words, 1) !== seq) {}
      } else {
        Atomics.notify(words, 0);
        while (Atomics.load(words, 1) !== seq) Atomics.wait(words, 1, seq - 1);
      }
    },
    close() {
      Atomics.store(words, 0, -1);
      Atomics.notify(words, 0);
      return worker.terminate();
    },
  };
}
