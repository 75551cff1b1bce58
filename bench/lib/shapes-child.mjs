// One fresh process of the shapes section (issue 13): a lint rule's or a transform's life. Load one
// contender, make `warmup` calls (worker start, first compilation), then time each of the next `calls`
// calls, then measure the process's CPU while idle: the first 100 ms after the last call, then `idleMs` more.
//   node bench/lib/shapes-child.mjs <contender> <workload id> <warmup> <calls> <idleMs>   one line of JSON
import { isDeepStrictEqual } from 'node:util';
import { contender } from './shape-contenders.mjs';
import { cpuNow, idleAfterCalls, timeSync } from './timing.mjs';
import { smallObject } from '../fixtures/payloads.mjs';

const [name, id, warmup, calls, idleMs] = process.argv.slice(2);
// Not bench/lib/workloads.mjs: importing it builds its 64 MiB payloads, which a fresh process would pay for.
const w = { noop: { name: 'noop', fn: 'noop' }, '1kb': { name: 'echo ~1 KB object', fn: 'echo', arg: smallObject() } }[id];
const loaded = await contender(name).load();
const call = loaded.make(w);
if (typeof call === 'string') {
  process.stdout.write(`${JSON.stringify({ error: call })}\n`);
  process.exit(0);
}
const got = call();
if (!isDeepStrictEqual(got, w.arg)) throw new Error(`${name}: wrong result for ${w.name}`);
timeSync(call, [], Number(warmup) - 1, 0n, Number(warmup) - 1);
const samples = [];
const c0 = cpuNow();
const n = timeSync(call, samples, Number(calls), 0n, Number(calls));
const cpuUs = cpuNow() - c0;
const idle = Number(idleMs) > 0 ? await idleAfterCalls(Number(idleMs)) : {};
process.stdout.write(`${JSON.stringify({ n, cpuUs, ...idle, samples })}\n`);
process.exit(0);
