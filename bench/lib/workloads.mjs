// The workloads, shared by the benchmark and the processes it starts.
import { bytes, KiB, MiB, smallObject, text } from '../fixtures/payloads.mjs';

export const WORKLOADS = [
  { id: 'noop', name: 'noop', fn: 'noop', bytes: 0, warmup: 200, minCalls: 200 },
  { id: '1kb', name: 'echo ~1 KB object', fn: 'echo', arg: smallObject(), bytes: 1 * KiB, warmup: 200, minCalls: 200 },
  { id: '64k-string', name: 'echo 64 KiB string', fn: 'echo', arg: text(64 * KiB), bytes: 64 * KiB, warmup: 50, minCalls: 100 },
  { id: '1m-copy', name: 'echo 1 MiB bytes, copied', fn: 'echo', arg: bytes(MiB), bytes: MiB, warmup: 10, minCalls: 40 },
  { id: '1m-transfer', name: 'echo 1 MiB bytes, transferred', fn: 'echo', arg: bytes(MiB), bytes: MiB, transfer: true, warmup: 10, minCalls: 40 },
  { id: '64m-copy', name: 'echo 64 MiB bytes, copied', fn: 'echo', arg: bytes(64 * MiB), bytes: 64 * MiB, warmup: 1, minCalls: 5, rounds: 5 },
  {
    id: '64m-transfer',
    name: 'echo 64 MiB bytes, transferred',
    fn: 'echo',
    arg: bytes(64 * MiB),
    bytes: 64 * MiB,
    transfer: true,
    warmup: 1,
    minCalls: 5,
    rounds: 5,
  },
];
