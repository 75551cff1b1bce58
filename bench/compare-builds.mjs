// The no-op and ~1 KB echo of two builds of syncbridge, alternating in separate processes, so that both
// see the same machine: e.g. a commit before a change against the current one.
//   node bench/compare-builds.mjs <before dir> <after dir> [--pairs=6] [--time=1000] [--spin-under=8]
//     [--workloads=noop,1kb,64k-string,1m-copy,64m-copy]   (default noop,1kb; the payloads are copied echoes)
// Each dir is a checkout with dist/ built (npm ci && npm run build). The pairs alternate which build
// goes first. Prints each process's medians, then the median of them per build, and the median of the
// pairs' after/before ratios (each pair ran back to back, so it shares the machine's load of the moment).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dirs = argv.filter((a) => !a.startsWith('--'));
if (dirs.length !== 2) throw new Error('usage: node bench/compare-builds.mjs <before dir> <after dir> [--pairs=6] [--time=1000]');
const pairs = Number(option('pairs') ?? 6);
const ms = Number(option('time') ?? 1000);
const ids = (option('workloads') ?? 'noop,1kb').split(',');
const builds = dirs.map((dir, i) => {
  const dist = resolve(dir, 'dist/index.mjs');
  if (!existsSync(dist)) throw new Error(`${dist} not found: run npm ci && npm run build in ${dir}`);
  return { label: i === 0 ? 'before' : 'after', dir, href: pathToFileURL(dist).href, runs: [] };
});
const child = fileURLToPath(new URL('lib/build-child.mjs', import.meta.url));
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `node ${process.version} | ${os.cpus()[0]?.model} x ${os.cpus().length} | load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} | ${new Date().toISOString()}`,
);
for (const b of builds) console.log(`${b.label}: ${b.dir}`);
console.log(`${pairs} pairs, ${ms} ms per workload per process\n`);
console.log(`run  build   load (1 min) at start/end  ${ids.map((id) => `${id} median  p90`).join('  ')}`);
for (let p = 0; p < pairs; p++) {
  for (const b of p % 2 ? [...builds].reverse() : builds) {
    const r = spawnSync(process.execPath, [child, b.href, String(ms), ids.join(',')], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`${b.label}: ${r.stderr || r.error}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    b.runs.push(out);
    console.log(
      `${String(p + 1).padEnd(4)} ${b.label.padEnd(7)} ${out.load.join(' / ').padEnd(26)} ${ids.map((id) => `${String(out[id].median).padStart(id.length + 7)}  ${String(out[id].p90).padEnd(7)}`).join('  ')}`,
    );
  }
}
console.log('\nmedian of the per-process figures (µs; cpu: CPU µs per call, both threads):\n');
console.log('workload    stat      before     after  after/before  paired after/before (min-max)');
for (const w of ids) {
  for (const stat of ['median', 'p90', 'cpuUs']) {
    const [a, b] = builds.map((x) => med(x.runs.map((r) => r[w][stat])));
    const ratios = builds[0].runs.map((r, i) => builds[1].runs[i][w][stat] / r[w][stat]);
    const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    console.log(
      `${w.padEnd(11)} ${(stat === 'cpuUs' ? 'cpu' : stat).padEnd(6)} ${a.toPrecision(4).padStart(9)} ${b.toPrecision(4).padStart(9)}  ${`${(b / a).toFixed(2)}x`.padStart(12)}  ${med(ratios).toFixed(2)}x (${range})`,
    );
  }
}
// On a loaded machine the caller's spin often misses and calls park (~15-20 µs a no-op instead of ~2-4):
// the pairs in which both builds' no-op answered within the spin show the cost of the code itself.
const spinUnder = Number(option('spin-under') ?? 8);
const spun = !ids.includes('noop')
  ? []
  : builds[0].runs.flatMap((r, i) => (r.noop.median < spinUnder && builds[1].runs[i].noop.median < spinUnder ? [[r, builds[1].runs[i]]] : []));
if (spun.length > 0) {
  console.log(`\npairs in which both no-op medians were under ${spinUnder} µs (the spin answered): ${spun.length} of ${pairs}\n`);
  console.log('workload  before   after  paired after/before (min-max)');
  for (const w of ids) {
    const [a, b] = [0, 1].map((k) => med(spun.map((pair) => pair[k][w].median)));
    const ratios = spun.map(([x, y]) => y[w].median / x[w].median);
    console.log(
      `${w.padEnd(9)} ${a.toFixed(3).padStart(6)} ${b.toFixed(3).padStart(7)}  ${med(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
    );
  }
}
console.log(
  `\nload at the end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
