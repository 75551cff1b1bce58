// The contenders of the shapes section (issue 13), each a small adapter: `load()` gives `make(workload)`,
// which returns a function making one call (and returning its result) or a string saying why it cannot
// run that workload, and an optional `close()`. Imported by the section (bench/lib/shapes.mjs) and by its
// fresh child processes (bench/lib/shapes-child.mjs), which find a contender by name.
//
// A new contender is one line in CONTENDERS.
import { PEERS, distUrl } from './peers.mjs';

const fixture = (path) => new URL(`../fixtures/${path}`, import.meta.url);

/** syncbridge built from dist/, its modules syncified with `options` (one bridge per set of options). */
export function syncbridgeWith(name, options, extra = {}) {
  return {
    name,
    note: `this library${options ? `, syncify(url, ${JSON.stringify(options)})` : ''}`,
    ...extra,
    async load() {
      const lib = await import(distUrl.href);
      const mod = lib.syncify(fixture('workload.mjs'), options);
      const modT = lib.syncify(fixture('workload-transfer.mjs'), options);
      return {
        make(w) {
          if (!w.transfer) return 'arg' in w ? () => mod[w.fn](w.arg) : () => mod[w.fn]();
          let bytes = w.arg.slice(); // moved there and back each call; w.arg stays for the result check
          return () => (bytes = modT.echo(lib.transfer(bytes, [bytes.buffer])));
        },
        close: () => lib.close(),
      };
    },
  };
}

/** One of the latency table's peers (bench/lib/peers.mjs) as it is there. */
function peer(name, extra = {}) {
  return { name, note: PEERS[name].note, ...extra, load: () => PEERS[name].load() };
}

// synckit's `transferList` option goes to `new Worker()` once; each call is `worker.postMessage(msg)` with no
// transfer list, and the worker's answer likewise (lib/helpers.js, lib/index.js of synckit 0.12.3).
const synckitNoTransfer = 'n/a: no per-call transfer list';

export const CONTENDERS = [
  // compared: the pair whose ratio the issue's targets are about, measured in every shape.
  syncbridgeWith('syncbridge', undefined, { compared: true, reference: true }),
  {
    ...peer('synckit', { compared: true }),
    async load() {
      const loaded = await PEERS.synckit.load();
      return { ...loaded, make: (w) => (w.transfer ? synckitNoTransfer : loaded.make(w)) };
    },
  },
  // The process strategy (issue 12) in every shape, beside the worker thread.
  syncbridgeWith('syncbridge (process)', { strategy: 'process' }),
  // Floors and the park-only design: no-op only, in the same process (the caller-work shapes).
  peer('floor (spin)', { floor: true }),
  peer('floor (park)', { floor: true }),
  peer('syncbridge (park only)', { floor: true }),
];

export const contender = (name) => CONTENDERS.find((c) => c.name === name);
