// The compatibility matrix: every place users call syncbridge from, each proven by a real run against the
// packed tarball. CI runs all of it; the table it prints is committed as docs/compatibility.md and spliced
// into README.md between the compatibility markers.
//
//   node test/matrix/run.mjs                 run every cell, print the table, fail if any cell failed
//   node test/matrix/run.mjs --only=runtimes run the cells of the groups (or files) whose name matches
//   node test/matrix/run.mjs --write         also rewrite docs/compatibility.md and the README table
//
// A cell file is test/matrix/cells/<topic>.mjs exporting `cells`: an array of
//   { group, name, column?, run(ctx) => { status: 'pass' | 'fail' | 'n/a', detail?, note? } }
// (throwing counts as 'fail'; 'n/a' needs a reason in detail; a pass's note is a numbered note under the tables). See `ctx` below for what a cell gets.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { install, runtimePath } from '../../scripts/install-runtimes.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cellsDir = join(root, 'test/matrix/cells');
const fixturesDir = join(root, 'test/matrix/fixtures');
const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const write = args.includes('--write');
const log = (message) => process.stderr.write(`matrix: ${message}\n`);

/** Runs a command to completion, never forever: a hang is a failure with whatever it printed. */
function run(command, commandArgs = [], options = {}) {
  const { timeout = 120_000, input, ...rest } = options;
  const result = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    input: input ?? '',
    ...rest,
  });
  const timedOut = result.error?.code === 'ETIMEDOUT';
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    timedOut,
    error: result.error,
    /** One line for a table cell or a log: why this run is not a success. */
    summary() {
      const why = timedOut ? `hung (killed after ${timeout} ms)` : result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
      const tail = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim().split('\n').slice(-6).join(' | ');
      return `${command} ${commandArgs.join(' ')}: ${why}${tail ? `: ${tail}` : ''}`;
    },
  };
}

let tarball;
function packOnce() {
  if (tarball) return tarball;
  const dir = mkdtempSync(join(os.tmpdir(), 'syncbridge-pack-'));
  const built = run('npm', ['run', 'build'], { cwd: root, timeout: 300_000 });
  if (built.status !== 0) throw new Error(`build failed: ${built.summary()}`);
  // Built just above: --ignore-scripts keeps prepack from building it twice more (prepack, then prepare).
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: root });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.summary()}`);
  tarball = join(dir, JSON.parse(packed.stdout)[0].filename);
  return tarball;
}

const scratchRoot = mkdtempSync(join(os.tmpdir(), 'syncbridge-matrix-'));

const installedFixtures = new Map();

/** What every cell gets. */
const ctx = {
  /** The repository's root folder. */
  root,
  /** Absolute path of the packed syncbridge tarball (`npm pack` of a fresh build), made once per run. */
  get tarball() {
    return packOnce();
  },
  /** The binary of a runtime: 'node20' is the running Node; others (node22, node24, node26, bun, deno) are installed on first use. */
  runtime(name) {
    if (name === 'node20' || name === 'node') return process.execPath;
    return runtimePath(name) ?? install(name);
  },
  run,
  /** A fresh copy of test/matrix/fixtures/<name> in a scratch folder; returns its path. */
  copyFixture(name) {
    const dest = mkdtempSync(join(scratchRoot, `${name.replaceAll('/', '-')}-`));
    cpSync(join(fixturesDir, name), dest, { recursive: true });
    return dest;
  },
  /** A copy of test/matrix/fixtures/<name> with the tarball installed, made once per run and shared by cells. */
  installedFixture(name) {
    if (!installedFixtures.has(name)) {
      const dir = ctx.copyFixture(name);
      ctx.npmInstall(dir, [ctx.tarball]);
      installedFixtures.set(name, dir);
    }
    return installedFixtures.get(name);
  },
  /** An empty scratch folder. */
  scratch(name = 'cell') {
    return mkdtempSync(join(scratchRoot, `${name}-`));
  },
  /** `npm install` of the tarball (and any other packages) into dir, quietly; throws with npm's words on failure. */
  npmInstall(dir, packages = [], options = {}) {
    const result = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages], { cwd: dir, timeout: 300_000, ...options });
    if (result.status !== 0) throw new Error(`npm install failed in ${dir}: ${result.summary()}`);
    return result;
  },
};

async function loadCells() {
  const files = readdirSync(cellsDir)
    .filter((f) => f.endsWith('.mjs'))
    .sort();
  const all = [];
  for (const file of files) {
    const { cells } = await import(pathToFileURL(join(cellsDir, file)).href);
    for (const cell of cells) all.push({ ...cell, file: file.replace(/\.mjs$/, '') });
  }
  return only ? all.filter((c) => only.some((o) => c.group.includes(o) || c.file.includes(o) || c.name.includes(o))) : all;
}

async function runCell(cell) {
  const started = Date.now();
  let outcome;
  try {
    outcome = await cell.run(ctx);
    if (!outcome || !['pass', 'fail', 'n/a'].includes(outcome.status)) {
      outcome = { status: 'fail', detail: `cell returned ${JSON.stringify(outcome)}, not { status: 'pass' | 'fail' | 'n/a' }` };
    }
    if (outcome.status === 'n/a' && !outcome.detail) outcome = { status: 'fail', detail: 'n/a without a reason' };
  } catch (error) {
    outcome = { status: 'fail', detail: error?.stack ?? String(error) };
  }
  return { ...cell, ...outcome, seconds: (Date.now() - started) / 1000 };
}

const SYMBOL = { pass: '✅ works', fail: '❌ fails', 'n/a': 'n/a' };
const cellText = (r) => (r.status === 'n/a' ? `n/a¹` : SYMBOL[r.status]);

function renderTables(results, when) {
  const lines = [`Generated by \`npm run matrix -- --write\` on ${when} (Linux x64, 2 cores). Each ✅ is a real run against the packed tarball.`, ''];
  const notes = [];
  const passNotes = []; // a ✅ that needed something said about it (a cell's `note`)
  const groups = [...new Set(results.map((r) => r.group))];
  for (const group of groups) {
    const rows = results.filter((r) => r.group === group);
    const columns = [...new Set(rows.map((r) => r.column ?? 'result'))];
    const names = [...new Set(rows.map((r) => r.name))];
    lines.push(`**${group}**`, '', `| | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---').join(' | ')} |`);
    for (const name of names) {
      const cells = columns.map((column) => {
        const r = rows.find((x) => x.name === name && (x.column ?? 'result') === column);
        if (!r) return '';
        if (r.status === 'n/a') {
          notes.push(`${group} / ${name}${r.column ? ` / ${r.column}` : ''}: ${r.detail}`);
          return `n/a (${notes.length})`;
        }
        if (r.status === 'pass' && r.note) {
          passNotes.push(`${group} / ${name}${r.column ? ` / ${r.column}` : ''}: ${r.note}`);
          return `${SYMBOL.pass} (note ${passNotes.length})`;
        }
        return SYMBOL[r.status];
      });
      lines.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  if (notes.length) lines.push('n/a, and why:', '', ...notes.map((n, i) => `${i + 1}. ${n}`), '');
  if (passNotes.length) lines.push('Notes:', '', ...passNotes.map((n, i) => `${i + 1}. ${n}`), '');
  return lines.join('\n');
}

const cells = await loadCells();
if (cells.length === 0) {
  log(`no cells match ${only ? only.join(',') : '(all)'}`);
  process.exit(2);
}
const results = [];
for (const cell of cells) {
  log(`${cell.group} / ${cell.name}${cell.column ? ` / ${cell.column}` : ''} ...`);
  const result = await runCell(cell);
  log(`  ${cellText(result)} (${result.seconds.toFixed(1)} s)${result.status === 'pass' ? '' : `: ${result.detail}`}`);
  results.push(result);
}
rmSync(scratchRoot, { recursive: true, force: true });

const tables = renderTables(results, new Date().toISOString().slice(0, 10));
console.log(tables);
if (write) {
  writeFileSync(join(root, 'docs/compatibility.md'), `# Compatibility\n\n${tables}`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = '<!-- compatibility:start -->';
  const end = '<!-- compatibility:end -->';
  if (readme.includes(start) && readme.includes(end)) {
    const before = readme.slice(0, readme.indexOf(start) + start.length);
    const after = readme.slice(readme.indexOf(end));
    writeFileSync(join(root, 'README.md'), `${before}\n${tables}\n${after}`);
  } else {
    log('README.md has no compatibility markers; wrote docs/compatibility.md only');
  }
}
const failed = results.filter((r) => r.status === 'fail');
const counts = (s) => results.filter((r) => r.status === s).length;
console.log(`matrix: ${counts('pass')} passed, ${failed.length} failed, ${counts('n/a')} skipped`); // skipped = n/a, with reasons above
if (failed.length) {
  console.error(`matrix: FAILED cells:\n${failed.map((r) => `- ${r.group} / ${r.name}${r.column ? ` / ${r.column}` : ''}: ${r.detail}`).join('\n')}`);
  process.exit(1);
}
