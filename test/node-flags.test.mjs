// Node's flags as Node reads them (src/env/node-flags.ts): NODE_OPTIONS split and flags parsed the way Node
// does, wherever syncbridge reads them. The oracle is Node itself: every preload file announces itself when
// Node runs it, and what syncbridge says (the doctor's report, the worker's replay) must match.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/cli.mjs');
const library = pathToFileURL(path.join(root, 'dist/index.mjs')).href;

/** Preload files whose names need quoting: spaces, a double quote, a backslash. Each prints its own path. */
function preloadDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-flags-'));
  fs.mkdirSync(path.join(dir, 'my dir'));
  const cjs = 'process.stderr.write(`PRELOAD ${__filename}\\n`);\n';
  const mjs =
    "import { fileURLToPath } from 'node:url';\n" +
    'const file = fileURLToPath(import.meta.url);\n' +
    'process.stderr.write(`PRELOAD ${file}\\n`);\n' +
    'globalThis.flagsTestPreloads = [...(globalThis.flagsTestPreloads ?? []), file];\n';
  for (const name of ['plain.cjs', 'my dir/p.cjs', 'q"uote.cjs', 'back\\slash.cjs']) fs.writeFileSync(path.join(dir, name), cjs);
  for (const name of ['plain.mjs', 'my dir/x.mjs', 'q"uote.mjs', 'hooks.mjs']) fs.writeFileSync(path.join(dir, name), mjs);
  return dir;
}

/** The files Node itself ran, from their announcements (each once; a loader announces in its own thread too). */
function ranByNode(stderr) {
  return [...new Set(stderr.split('\n').flatMap((line) => (line.startsWith('PRELOAD ') ? [line.slice('PRELOAD '.length)] : [])))].sort();
}

/** A preload's module as the file it names, resolved as Node resolves it (from the current directory). */
function fileOf(module, cwd) {
  return module.startsWith('file:') ? fileURLToPath(module) : path.resolve(cwd, module);
}

// [NODE_OPTIONS, command-line flags]: the NODE_OPTIONS forms Node's own splitter accepts (ParseNodeOptionsEnvVar:
// spaces separate, double quotes group and join, backslash escapes inside quotes, "" alone is no argument), and
// the flag forms Node's option parser accepts.
const CASES = [
  ['--import="./my dir/x.mjs"', []],
  ['--require "./my dir/p.cjs" --import "./my dir/x.mjs"', []],
  ['--im"port" "./my dir/x.mjs"', []],
  ['--require="./q\\"uote.cjs" --import "./q\\"uote.mjs"', []],
  ['--require "./back\\\\slash.cjs" --import "./my dir/x.mjs"', []],
  ['--require ./back\\slash.cjs', []],
  ['--require "" ./plain.cjs   --import=./plain.mjs', []],
  ['-r ./plain.cjs --experimental_loader ./hooks.mjs', []],
  ['--no-warnings --loader=./hooks.mjs', []],
  [undefined, ['--require=./plain.cjs', '-r', './my dir/p.cjs', '--import=./my dir/x.mjs', '--experimental_loader=./hooks.mjs']],
  ['--import ./plain.mjs', ['--import', './my dir/x.mjs', '--loader', './hooks.mjs', '--no-warnings']],
];

test('the doctor reports exactly the preloads Node ran, however NODE_OPTIONS and the flags are written (spaces, quotes, escapes, -r, --flag=value, underscores)', () => {
  const dir = preloadDir();
  try {
    for (const [nodeOptions, flags] of CASES) {
      const { NODE_OPTIONS, ...env } = process.env;
      if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
      const result = spawnSync(process.execPath, [...flags, cli, 'doctor', '--json', '--calls', '1'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      const what = `NODE_OPTIONS=${JSON.stringify(nodeOptions)}, flags ${JSON.stringify(flags)}`;
      let report;
      try {
        report = JSON.parse(result.stdout);
      } catch {
        assert.fail(`${what}: not JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
      }
      const ran = ranByNode(result.stderr);
      assert.ok(ran.length > 0, `${what}: Node ran no preload:\n${result.stderr}`);
      const reported = [...new Set(report.runtime.preloads.map((p) => fileOf(p.module, dir)))].sort();
      assert.deepEqual(reported, ran, `${what}: ${JSON.stringify(report.runtime.preloads)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the doctor lists NODE_OPTIONS preloads before command-line ones, the order Node reads them', () => {
  const dir = preloadDir();
  try {
    const { NODE_OPTIONS, ...env } = process.env;
    env.NODE_OPTIONS = '--require "./my dir/p.cjs"';
    const result = spawnSync(process.execPath, ['--require', './plain.cjs', cli, 'doctor', '--json', '--calls', '1'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const announced = result.stderr.split('\n').filter((line) => line.startsWith('PRELOAD '));
    assert.deepEqual(announced.slice(0, 2), [`PRELOAD ${path.join(dir, 'my dir/p.cjs')}`, `PRELOAD ${path.join(dir, 'plain.cjs')}`], result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout).runtime.preloads.map((p) => [p.flag, p.module, p.from]),
      [
        ['--require', './my dir/p.cjs', 'NODE_OPTIONS'],
        ['--require', './plain.cjs', 'execArgv'],
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker replays the --import preloads Node ran, however NODE_OPTIONS writes them', () => {
  const dir = preloadDir();
  try {
    fs.writeFileSync(
      path.join(dir, 'check.mjs'),
      `import { runSync } from ${JSON.stringify(library)};\n` +
        'console.log(JSON.stringify([globalThis.flagsTestPreloads ?? [], runSync(() => globalThis.flagsTestPreloads ?? [])]));\n',
    );
    for (const nodeOptions of ['--import="./my dir/x.mjs"', '--im"port" "./my dir/x.mjs" --import "./q\\"uote.mjs"', '--import "" ./plain.mjs']) {
      const { NODE_OPTIONS, ...env } = process.env;
      const result = spawnSync(process.execPath, ['check.mjs'], { cwd: dir, env: { ...env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 0, `NODE_OPTIONS=${nodeOptions}: ${result.stderr}`);
      const [caller, worker] = JSON.parse(result.stdout);
      assert.ok(caller.length > 0, `NODE_OPTIONS=${nodeOptions}: Node imported nothing`);
      assert.deepEqual(worker, caller, `NODE_OPTIONS=${nodeOptions}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
