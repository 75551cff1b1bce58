// Re-renders docs/benchmarks.md and docs/benchmarks.svg from bench/results.json (written by --write).
import { readFileSync } from 'node:fs';
import { writeDocs } from './report.mjs';

const all = JSON.parse(readFileSync(new URL('../results.json', import.meta.url), 'utf8'));
writeDocs(all, new URL('../../docs/benchmarks.md', import.meta.url), new URL('../../docs/benchmarks.svg', import.meta.url));
