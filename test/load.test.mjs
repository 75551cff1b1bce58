import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { fixture } from './helpers.mjs';

const THREADS = 4;
const CALLS = 10_000;

/** Starts one calling thread; resolves with its summary, rejects on an error or an exit without one. */
function startCaller(thread, start) {
  const worker = new Worker(fixture('load-caller.mjs'), {
    workerData: { thread, calls: CALLS, start, targetUrl: fixture('load-target.mjs').href },
  });
  const done = new Promise((resolve, reject) => {
    let summary;
    worker.on('message', (message) => {
      summary = message;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (summary && code === 0) resolve(summary);
      else reject(new Error(`calling thread ${thread} exited with code ${code}${summary ? '' : ' without a summary'}`));
    });
  });
  return { worker, done };
}

test(`${THREADS} calling threads make ${CALLS} calls each at once through their own bridges: every result correct`, { timeout: 120_000 }, async () => {
  // Word 0: the start gate, word 1: how many threads are ready. All threads start calling at the same moment.
  const start = new SharedArrayBuffer(8);
  const gate = new Int32Array(start);
  const callers = Array.from({ length: THREADS }, (_, thread) => startCaller(thread, start));
  while (Atomics.load(gate, 1) < THREADS) await new Promise((resolve) => setTimeout(resolve, 5));
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);

  const summaries = await Promise.all(callers.map((c) => c.done));
  let total = 0;
  for (const s of summaries) {
    assert.deepEqual(s.samples, [], `thread ${s.thread}: wrong results or errors`);
    assert.equal(s.errors, 0, `thread ${s.thread}: ${s.errors} wrong or failed calls`);
    assert.equal(s.runSyncErrors, 0, `thread ${s.thread}: ${s.runSyncErrors} wrong or failed runSync calls`);
    assert.equal(s.calls, CALLS);
    assert.equal(s.runSyncCalls, 20);
    // One bridge worker per calling thread, serving syncify and runSync alike, never replaced under load.
    assert.deepEqual(s.bridgeThreadIds, [s.bridgeThreadId], `thread ${s.thread}: calls were served by ${s.bridgeThreadIds}`);
    assert.notEqual(s.bridgeThreadId, s.callerThreadId);
    total += s.calls;
  }
  assert.equal(total, THREADS * CALLS);
  const bridges = new Set(summaries.map((s) => s.bridgeThreadId));
  assert.equal(bridges.size, THREADS, `each calling thread has its own worker: ${summaries.map((s) => `${s.callerThreadId}→${s.bridgeThreadId}`).join(', ')}`);
  const callerIds = new Set(summaries.map((s) => s.callerThreadId));
  for (const id of bridges) assert.ok(!callerIds.has(id), 'a bridge worker is not one of the calling threads');
});
