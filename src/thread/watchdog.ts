/**
 * A worker can die without running any of its own code: out of memory under resourceLimits, or a preload
 * in execArgv that throws before our script starts. Its 'exit' event would tell us, but only on the
 * caller's event loop, and the caller is blocked. So a caller that has waited a while starts a watchdog:
 * a tiny thread holding a MessagePort entangled with one the worker holds. When the worker's thread ends,
 * that port closes; the watchdog marks WORKER_GONE in shared memory and wakes the caller.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import { HEADER_WORDS, Word } from '../wire/protocol.js';

const source = `
const { workerData: { buffer, port } } = require('node:worker_threads');
const words = new Int32Array(buffer, 0, ${HEADER_WORDS});
port.on('message', () => {}); // keeps this thread alive exactly as long as the watched worker
port.on('close', () => {
  Atomics.store(words, ${Word.WORKER_GONE}, 1);
  Atomics.add(words, ${Word.SIGNAL}, 1);
  Atomics.notify(words, ${Word.SIGNAL});
});
`;

export function startWatchdog(buffer: SharedArrayBuffer, port: MessagePort): Worker {
  const watchdog = new Worker(source, { eval: true, name: 'syncbridge watchdog', workerData: { buffer, port }, transferList: [port], execArgv: [], env: {} });
  watchdog.unref();
  return watchdog;
}
