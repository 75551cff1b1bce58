/**
 * syncbridge: call asynchronous code synchronously. The work runs in a worker thread (one per calling
 * thread, reused); the caller blocks on shared memory until the answer is there.
 */
export { syncify } from './syncify.js';
export { runSync, type RunSync } from './run-sync.js';
export { close } from './bridges.js';
export { release } from './release.js';
export { transfer } from './transfer.js';
export { SyncBridgeError, ErrorCodes, type ErrorCode } from './errors.js';
export type { CallOptions, WorkerOptions, SyncifyOptions } from './config/options.js';
export type { Syncified, NotCallable, Remote, Sync } from './types.js';
export { diagnose, type DoctorReport, type DoctorOptions } from './doctor.js';
