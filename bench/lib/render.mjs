// Re-renders docs/benchmarks.md and docs/benchmarks.svg from bench/results.json (written by --write).
//   node bench/lib/render.mjs            everything, from bench/results.json
//   node bench/lib/render.mjs --shapes   the shapes section (issue 13) and the plot's upper panels alone,
//                                        from bench/results-shapes.json (--workloads=shapes --write)
import { readFileSync } from 'node:fs';
import { writeDocs, writeShapesDocs } from './report.mjs';

const md = new URL('../../docs/benchmarks.md', import.meta.url);
const svg = new URL('../../docs/benchmarks.svg', import.meta.url);
if (process.argv.includes('--shapes')) {
  const { machine, shapes } = JSON.parse(readFileSync(new URL('../results-shapes.json', import.meta.url), 'utf8'));
  writeShapesDocs(shapes, machine, md, svg);
} else {
  writeDocs(JSON.parse(readFileSync(new URL('../results.json', import.meta.url), 'utf8')), md, svg);
}
