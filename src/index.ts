/**
 * syncbridge: call asynchronous code synchronously. The work runs in a worker thread (one per calling
 * thread, reused), or in a child process where a thread cannot serve; the caller blocks until the answer is there.
 */
export { syncify } from './api/syncify.js';
export { runSync, type RunSync } from './api/run-sync.js';
export { close } from './api/bridges.js';
export { explain, type Explanation } from './api/explain.js';
export { release } from './api/release.js';
export { transfer } from './wire/transfer.js';
export { SyncBridgeError, ErrorCodes, type ErrorCode } from './errors.js';
export type { CallOptions, WorkerOptions, SyncifyOptions } from './config/options.js';
export type { Choice, Consideration } from './strategy/choose.js';
export type { Syncified, NotCallable, Remote, Sync } from './api/types.js';
export { diagnose, type DoctorReport, type DoctorOptions } from './doctor/doctor.js';
