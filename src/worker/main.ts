/**
 * The worker's code: bundled into one string (scripts/build.mjs) that runs either as a worker thread
 * (`new Worker(source, { eval: true })`) or as a child process (`node -e` reads it from its socket), so no
 * file has to be found at run time (bundlers, PnP, pnpm). Which end it serves depends on where it runs;
 * what it does with requests (dispatch.ts) is the same.
 */
import { isMainThread } from 'node:worker_threads';
import { serveProcess } from './process-endpoint.js';
import { serveThread } from './thread-endpoint.js';

if (isMainThread) serveProcess();
else serveThread();
