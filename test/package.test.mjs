// Tests what users install: the packed tarball, installed into a scratch project, used from import and require.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('the packed package installs and works from an ES module and from CommonJS', { timeout: 180_000 }, () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-pack-'));
  try {
    // --ignore-scripts: pack the dist/ that `npm test` built (pretest); prepack and prepare would rebuild it, emptying dist/
    // under the test files running beside this one. test/fresh-clone.test.mjs covers packing without a build.
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }));
    const files = packed[0].files.map((f) => f.path);
    assert.ok(files.includes('dist/index.mjs') && files.includes('dist/index.cjs') && files.includes('dist/index.d.mts'), files.join(', '));
    assert.ok(files.includes('dist/cli.mjs'), 'the syncbridge command is packed');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'only what users need is packed');
    // The declarations of the API (and what its types refer to), not one per internal module.
    const declarations = files.filter((f) => f.startsWith('dist/types/'));
    assert.ok(declarations.includes('dist/types/index.d.ts') && declarations.includes('dist/types/api/types.d.ts'), declarations.join(', '));
    for (const internal of ['dist/types/worker/dispatch.d.ts', 'dist/types/cli.d.ts', 'dist/types/wire/clone-check.d.ts', 'dist/types/env/cores.d.ts']) {
      assert.ok(!files.includes(internal), `${internal} is not published`);
    }

    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', path.join(scratch, packed[0].filename)], { cwd: app, stdio: 'pipe' });

    fs.writeFileSync(path.join(app, 'greeter.mjs'), "export async function greet(name) { console.log('worker says hi'); return `hello, ${name}`; }\n");
    fs.writeFileSync(
      path.join(app, 'use.mjs'),
      `import { syncify, runSync } from 'syncbridge';
       const g = syncify(new URL('./greeter.mjs', import.meta.url));
       console.log(g.greet('esm'), runSync(async (a, b) => a + b, 1, 2));`,
    );
    fs.writeFileSync(
      path.join(app, 'use.cjs'),
      `const path = require('node:path');
       const { syncify, runSync } = require('syncbridge');
       const g = syncify(path.join(__dirname, 'greeter.mjs'));
       console.log(g.greet('cjs'), runSync(async (a, b) => a * b, 6, 7));`,
    );
    for (const [script, expected] of [
      ['use.mjs', 'worker says hi\nhello, esm 3\n'],
      ['use.cjs', 'worker says hi\nhello, cjs 42\n'],
    ]) {
      const result = spawnSync(process.execPath, [script], { cwd: app, encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.stdout, expected, `${script}: ${result.stderr}`);
      assert.equal(result.status, 0);
    }

    // The "bin": `npx syncbridge doctor` from the installed package, as a user would run it.
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const doctor = spawnSync(npx, ['--no-install', 'syncbridge', 'doctor', '--json', '--calls', '50'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    assert.equal(doctor.status, 0, `npx syncbridge doctor: ${doctor.stderr}${doctor.stdout}`);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.syncbridge, packed[0].version);
    assert.equal(report.directory.cwd, fs.realpathSync(app));
    assert.equal(report.strategies.find((s) => s.name === 'worker-thread').works, true);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
