// Tests what a fresh clone makes, with nothing built in it: its `npm pack` (prepack builds dist/) and an install
// of it as a git dependency (npm runs prepare in its own clone). Either must give a package with code in it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const isCheckout = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, encoding: 'utf8' }).stdout?.trim() === 'true';

// The children run as from a shell, not as part of this `npm test`: no npm_package_*/npm_lifecycle_* of ours, and
// an `npm test --ignore-scripts` must not turn off the scripts under test.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|command$|config_ignore_scripts$)/i.test(k)));
const quiet = ['--no-audit', '--no-fund', '--prefer-offline'];

/** Runs a command, failing with its output; returns its stdout. */
function sh(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} in ${cwd}: ${result.error?.message ?? `exit ${result.status}`}\n${result.stderr}${result.stdout}`,
  );
  return result.stdout;
}

/** A scratch project that has installed `spec`, used from an ES module and from CommonJS, one real call each. */
function installAndCall(spec, dir) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), private: true }));
  sh(npm, ['install', ...quiet, spec], dir);
  const installed = path.join(dir, 'node_modules/syncbridge');
  assert.ok(fs.existsSync(path.join(installed, 'dist/index.mjs')), `no dist/ in the installed package: ${fs.readdirSync(installed).join(', ')}`);
  fs.writeFileSync(path.join(dir, 'greeter.mjs'), 'export async function greet(name) { return `hello, ${name}`; }\n');
  fs.writeFileSync(
    path.join(dir, 'use.mjs'),
    "import { syncify } from 'syncbridge';\nconsole.log(syncify(new URL('./greeter.mjs', import.meta.url)).greet('esm'));\n",
  );
  fs.writeFileSync(path.join(dir, 'use.cjs'), "const { runSync } = require('syncbridge');\nconsole.log(runSync(async (a, b) => a * b, 6, 7));\n");
  assert.equal(sh(process.execPath, ['use.mjs'], dir), 'hello, esm\n');
  assert.equal(sh(process.execPath, ['use.cjs'], dir), '42\n');
}

let scratch;
let repo;

before(() => {
  if (!isCheckout) return;
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-fresh-'));
  // The working tree as it would be committed (tracked and new files, without what .gitignore leaves out: dist/,
  // node_modules/), as one commit of a new repository, so uncommitted work is what gets tested.
  repo = path.join(scratch, 'repo');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    const from = path.join(root, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(from, path.join(repo, file));
  }
  const git = ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false'];
  sh('git', ['init', '-q'], repo);
  sh('git', ['add', '-A'], repo);
  sh('git', [...git, 'commit', '-q', '-m', 'fresh'], repo);
});

after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('npm pack in a fresh clone, nothing built first, ships dist/: the tarball works from ESM and CommonJS', {
  skip: !isCheckout && 'not a git checkout',
  timeout: 300_000,
}, () => {
  const clone = path.join(scratch, 'clone');
  sh('git', ['clone', '-q', repo, clone], scratch);
  // --ignore-scripts: no prepare build here, and no esbuild postinstall either (npm may skip unapproved ones).
  sh(npm, ['ci', ...quiet, '--ignore-scripts'], clone);
  assert.ok(!fs.existsSync(path.join(clone, 'dist')), 'nothing is built before npm pack');

  const packed = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', scratch], clone))[0];
  const files = packed.files.map((f) => f.path);
  for (const file of ['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts', 'dist/cli.mjs']) {
    assert.ok(files.includes(file), `${file} is packed: ${files.join(', ')}`);
  }
  installAndCall(path.join(scratch, packed.filename), path.join(scratch, 'from-tarball'));
});

test('a git dependency (npm install git+file://…) builds itself and works from ESM and CommonJS', {
  skip: !isCheckout && 'not a git checkout',
  timeout: 300_000,
}, () => {
  installAndCall(`git+${pathToFileURL(repo).href}`, path.join(scratch, 'from-git'));
});
