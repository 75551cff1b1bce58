// The contenders. Each one is loaded lazily (only the selected ones are imported) and gives, for a
// workload, a function that makes one call and returns its result, or a reason it cannot run it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pingPong } from './pingpong.mjs';
import * as workload from '../fixtures/workload.mjs';

const here = (path) => new URL(path, import.meta.url);
const require = createRequire(import.meta.url);
const versionOf = (pkgJson) => JSON.parse(readFileSync(here(pkgJson), 'utf8')).version;
const workloadUrl = here('../fixtures/workload.mjs');
export const distUrl = here('../../dist/index.mjs');

// Peers that only pass the workload's plain values: no way to move a buffer instead of copying it.
const noTransfer = 'n/a: no way to transfer a buffer per call';

/** Runs `fn(x)` on a fresh copy of x each time for transferred workloads that need one. */
function echoCall(fn, w) {
  return 'arg' in w ? () => fn(w.arg) : () => fn();
}

/** syncbridge with the given environment (SYNCBRIDGE_SPIN_MICROS=0: park only), as its own module copy. */
async function loadSyncbridge(env = {}, tag = '') {
  if (!existsSync(distUrl)) throw new Error('dist/index.mjs not found (run `npm run build`)');
  const saved = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    // A query string makes a separate module instance: its defaults read the environment set above.
    return await import(`${distUrl.href}${tag ? `?${tag}` : ''}`);
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

export const PEERS = {
  'plain await': {
    note: 'in-process, no thread crossed: the lower bound',
    isAsync: true,
    async load() {
      return { version: process.version, make: (w) => echoCall(workload[w.fn], w) };
    },
  },
  'floor (spin)': {
    note: 'hand-written SharedArrayBuffer + Atomics ping-pong, both sides spin, no payload',
    async load() {
      const pp = pingPong('spin');
      return { make: (w) => (w.name === 'noop' ? () => pp.call() : 'n/a: no payload'), close: () => pp.close() };
    },
  },
  'floor (park)': {
    note: 'the same ping-pong, both sides only Atomics.wait/notify (the design that never spins)',
    async load() {
      const pp = pingPong('park');
      return { make: (w) => (w.name === 'noop' ? () => pp.call() : 'n/a: no payload'), close: () => pp.close() };
    },
  },
  syncbridge: {
    note: 'this library',
    async load() {
      const lib = await loadSyncbridge();
      const mod = lib.syncify(workloadUrl);
      const modT = lib.syncify(here('../fixtures/workload-transfer.mjs'));
      return {
        version: versionOf('../../package.json'),
        make(w) {
          if (!w.transfer) return echoCall(mod[w.fn], w);
          let bytes = w.arg.slice(); // moved back and forth; w.arg stays for the result check
          return () => (bytes = modT.echo(lib.transfer(bytes, [bytes.buffer])));
        },
        close: () => lib.close(),
      };
    },
  },
  'syncbridge (process)': {
    note: "syncbridge's process strategy: syncify(url, { strategy: 'process' }), a child process over a socket",
    async load() {
      const lib = await loadSyncbridge();
      const mod = lib.syncify(workloadUrl, { strategy: 'process' });
      const modT = lib.syncify(here('../fixtures/workload-transfer.mjs'), { strategy: 'process' });
      return {
        version: versionOf('../../package.json'),
        make(w) {
          if (!w.transfer) return echoCall(mod[w.fn], w);
          let bytes = w.arg.slice();
          return () => (bytes = modT.echo(lib.transfer(bytes, [bytes.buffer])));
        },
        close: () => lib.close(),
      };
    },
  },
  'syncbridge (park only)': {
    note: 'syncbridge with spinning off (SYNCBRIDGE_SPIN_MICROS=0): the park-only design, same code',
    async load() {
      const lib = await loadSyncbridge({ SYNCBRIDGE_SPIN_MICROS: '0' }, 'park-only');
      const mod = lib.syncify(workloadUrl);
      return { version: versionOf('../../package.json'), make: (w) => (w.transfer ? 'n/a: see syncbridge' : echoCall(mod[w.fn], w)), close: () => lib.close() };
    },
  },
  synckit: {
    async load() {
      const { createSyncFn } = await import('synckit');
      const syncFn = createSyncFn(fileURLToPath(here('../fixtures/synckit-worker.mjs')));
      return {
        version: versionOf('../node_modules/synckit/package.json'),
        make: (w) => (w.transfer ? noTransfer : 'arg' in w ? () => syncFn(w.fn, w.arg) : () => syncFn(w.fn)),
      };
    },
  },
  'make-synchronized': {
    async load() {
      const { makeSynchronized } = await import('make-synchronized');
      const mod = makeSynchronized(workloadUrl);
      return { version: versionOf('../node_modules/make-synchronized/package.json'), make: (w) => (w.transfer ? noTransfer : echoCall(mod[w.fn], w)) };
    },
  },
  'make-synchronous': {
    async load() {
      const { default: makeSynchronous } = await import('make-synchronous');
      // It sends a function's source to its worker, so the workload is written out here.
      const fns = { noop: makeSynchronous(async () => {}), echo: makeSynchronous(async (x) => x) };
      return { version: versionOf('../node_modules/make-synchronous/package.json'), make: (w) => (w.transfer ? noTransfer : echoCall(fns[w.fn], w)) };
    },
  },
  'sync-rpc': {
    note: 'a server process; each call spawns a client process (nc or node)',
    maxCalls: 10,
    async load() {
      const rpc = require('sync-rpc');
      const client = rpc(fileURLToPath(here('../fixtures/sync-rpc-worker.cjs')));
      return {
        version: versionOf('../node_modules/sync-rpc/package.json'),
        make(w) {
          if (w.transfer) return noTransfer;
          if (w.bytes >= 1024 * 1024) return 'n/a: JSON over a socket per call, a process per call';
          return w.fn === 'noop' ? () => client({ name: 'noop' }) ?? undefined : () => client({ name: 'echo', x: w.arg });
        },
      };
    },
  },
};
