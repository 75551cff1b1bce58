// `syncbridge doctor`: the built CLI (dist/cli.mjs), run as users run it, in child processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runtimePath } from '../scripts/install-runtimes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/cli.mjs');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function run(args, { runtime = [process.execPath], flags = [], env = {}, cwd = root } = {}) {
  const [binary, ...runtimeArgs] = runtime;
  const { NODE_OPTIONS, ...inherited } = process.env; // the test runner's own options stay out
  return spawnSync(binary, [...runtimeArgs, ...flags, cli, ...args], { cwd, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 60_000 });
}

function json(result) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    assert.fail(`not JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

const worker = (report) => report.strategies.find((s) => s.name === 'worker-thread');

/** The shape and sanity every report has, whatever the runtime. */
function assertSaneReport(report, result) {
  assert.equal(report.syncbridge, version);
  assert.equal(typeof report.ok, 'boolean');
  assert.equal(result.status, report.ok ? 0 : 1, 'exit code 0 exactly when a strategy works');
  assert.ok(['node', 'bun', 'deno'].includes(report.runtime.name));
  assert.match(report.runtime.version, /^\d+\.\d+\.\d+/);
  assert.equal(report.thread.main, true);
  assert.equal(report.thread.canBlock, true);
  assert.deepEqual(
    report.strategies.map((s) => s.name),
    ['worker-thread', 'child-process'],
  );
  const w = worker(report);
  assert.equal(w.available, true);
  assert.equal(
    report.ok,
    report.strategies.some((s) => s.works),
  );
  for (const s of report.strategies) if (!s.works) assert.ok(s.reason, `${s.name} does not work and says why`);
  assert.ok(['thread', 'process', null].includes(report.choice.strategy), 'the choice calls without options get');
  assert.equal(report.choice.considered.length, 2);
  if (w.checks[0].ok) {
    assert.ok(w.coldStartMs > 0, `cold start ${w.coldStartMs}`);
  }
  if (w.roundTrip) {
    const { medianMicros, p10Micros, p90Micros, minMicros, maxMicros } = w.roundTrip;
    assert.ok(medianMicros > 0 && medianMicros < 100_000, `median ${medianMicros} µs`);
    assert.ok(minMicros <= p10Micros && p10Micros <= medianMicros && medianMicros <= p90Micros && p90Micros <= maxMicros);
  }
  if (!w.works) {
    assert.ok(w.reason, 'a strategy that does not work says why');
    assert.ok(
      w.checks.some((c) => !c.ok && c.error?.message),
      'and which check failed, with the error',
    );
  }
  assert.equal(typeof report.typescript.probe.loaded, 'boolean');
  if (!report.typescript.probe.loaded) assert.ok(report.typescript.probe.error?.message || report.typescript.probe.skipped);
  assert.ok(Array.isArray(report.notes));
}

test('doctor: plain text with every section, exit code 0 where the worker-thread strategy works', () => {
  const result = run(['doctor']);
  assert.equal(result.status, 0, result.stderr);
  const text = result.stdout;
  for (const heading of ['Runtime', 'This thread', 'Strategies', 'TypeScript']) assert.match(text, new RegExp(`^${heading}$`, 'm'));
  assert.match(text, new RegExp(`^syncbridge ${version.replaceAll('.', '\\.')} doctor$`, 'm'));
  assert.match(text, new RegExp(`node ${process.versions.node.replaceAll('.', '\\.')} on ${process.platform}-${process.arch}`));
  assert.match(text, /can block \(Atomics\.wait\): yes/);
  assert.match(text, /^ {2}worker-thread +works$/m);
  assert.match(text, /^ {4}round trip +ok +median [\d.]+ (µs|ms) \(p10 .*, p90 .*\) over 300 no-op calls$/m);
  assert.match(text, /^ {2}child-process +works$/m);
  assert.match(text, /^ {2}calls without options use: thread \(strategy 'auto'\)$/m);
  assert.match(text, /a \.ts module through syncify: (loads|does NOT load)/);
  assert.match(text, /^Result: OK/m);
  assert.equal(result.stderr, '');
});

test('doctor --json: the report parses, with sane values', () => {
  const result = run(['doctor', '--json', '--calls', '120']);
  const report = json(result);
  assertSaneReport(report, result);
  assert.equal(result.status, 0);
  assert.equal(report.ok, true);
  assert.equal(report.runtime.name, 'node');
  assert.equal(report.runtime.version, process.versions.node);
  assert.equal(report.runtime.execPath, process.execPath);
  assert.equal(report.directory.cwd, root.replace(/[\\/]$/, ''));
  assert.equal(report.directory.type, 'module');
  const w = worker(report);
  assert.equal(w.works, true);
  assert.deepEqual(
    w.checks.map((c) => [c.name, c.ok]),
    [
      ['start', true],
      ['round trip', true],
      ['values', true],
    ],
  );
  assert.equal(w.roundTrip.calls, 120);
  const child = report.strategies[1];
  assert.equal(child.works, true, 'the child-process strategy is tried for real');
  assert.deepEqual(
    child.checks.map((c) => [c.name, c.ok]),
    w.checks.map((c) => [c.name, c.ok]),
  );
  assert.equal(report.choice.strategy, 'thread');
  // What this Node does with .ts is known: built-in stripping where process.features.typescript says so.
  const stripping = process.features.typescript;
  assert.equal(report.typescript.probe.loaded, Boolean(stripping));
  if (stripping) {
    assert.equal(report.typescript.loaders[0].name, stripping === 'transform' ? 'node-transform-types' : 'node-strip-types');
  } else {
    assert.match(report.typescript.probe.error.message, /Unknown file extension "\.ts"|\.ts/);
    assert.deepEqual(report.typescript.loaders, []);
  }
});

test('doctor exits non-zero when no strategy works: the permission model without --allow-worker', () => {
  // Node 20 names the flag --experimental-permission; 22.13+ and 23.5+ name it --permission.
  const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const flags = [flag, '--allow-fs-read=*', '--no-warnings'];
  const result = run(['doctor', '--json'], { flags });
  const report = json(result);
  assertSaneReport(report, result);
  assert.equal(result.status, 1);
  assert.equal(report.ok, false);
  assert.equal(report.permissions.model, 'node');
  assert.equal(report.permissions.granted.worker, false);
  const w = worker(report);
  assert.equal(w.works, false);
  assert.match(w.reason, /--allow-worker/);
  assert.deepEqual(
    w.checks.map((c) => [c.name, c.ok]),
    [['start', false]],
  );
  assert.equal(w.checks[0].error.code, 'ERR_SYNCBRIDGE_UNSUPPORTED');
  assert.match(report.typescript.probe.skipped, /no worker could start/);

  const text = run(['doctor'], { flags });
  assert.equal(text.status, 1);
  assert.match(text.stdout, /worker-thread +does NOT work: Node's permission model is on/);
  assert.match(text.stdout, /^Result: FAILED, no strategy works here/m);
  assert.match(json(result).strategies[1].reason, /no --allow-child-process/);

  // With --allow-child-process, auto takes a worker process, and the doctor says so.
  const children = run(['doctor', '--json', '--calls', '50'], { flags: [...flags, '--allow-child-process'] });
  assert.equal(children.status, 0, children.stdout);
  const withChildren = json(children);
  assert.equal(withChildren.strategies[1].works, true);
  assert.equal(withChildren.choice.strategy, 'process');

  // The same process with --allow-worker: the worker starts, under the same permissions.
  const allowed = run(['doctor', '--json', '--calls', '50'], { flags: [...flags, '--allow-worker'] });
  assert.equal(allowed.status, 0, allowed.stdout);
  assert.equal(worker(json(allowed)).works, true);
});

test('usage: --help, --version, and usage errors with exit code 2', () => {
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: syncbridge <command>/);
  assert.match(help.stdout, /doctor/);
  assert.match(help.stdout, /--json/);
  assert.equal(run(['doctor', '--help']).status, 0);

  const versionRun = run(['--version']);
  assert.equal(versionRun.status, 0);
  assert.equal(versionRun.stdout, `${version}\n`);

  for (const [args, message] of [
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
    [['doctor', '--jsno'], /unknown option "--jsno" for doctor/],
    [['doctor', '--calls', '0'], /--calls needs a whole number/],
    [['doctor', '--calls'], /--calls needs a whole number from 1 to 1000000; got nothing/],
  ]) {
    const result = run(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /Usage: syncbridge <command>/);
    assert.equal(result.stdout, '');
  }
});

test('doctor reports a TypeScript loader preloaded through NODE_OPTIONS, and a bad SYNCBRIDGE_TIMEOUT', () => {
  // A stand-in at a path like tsx's own (…/node_modules/tsx/…): what is detected is the preload flag.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-doctor-test-'));
  try {
    const preload = path.join(dir, 'node_modules/tsx/dist/loader.mjs');
    fs.mkdirSync(path.dirname(preload), { recursive: true });
    fs.writeFileSync(preload, '// registers nothing\n');
    fs.writeFileSync(path.join(dir, 'node_modules/tsx/package.json'), '{ "name": "tsx", "version": "0.0.0" }\n');
    const result = run(['doctor', '--json', '--calls', '20'], {
      cwd: dir,
      env: { NODE_OPTIONS: `--import ${JSON.stringify(preload)}`, SYNCBRIDGE_TIMEOUT: 'soon' },
    });
    const report = json(result);
    assertSaneReport(report, result);
    assert.equal(report.runtime.nodeOptions, `--import ${JSON.stringify(preload)}`);
    const tsx = report.typescript.loaders.find((l) => l.name === 'tsx');
    assert.ok(tsx, JSON.stringify(report.typescript.loaders));
    assert.match(tsx.via, /NODE_OPTIONS/);
    // The stand-in loads nothing: where Node cannot strip types itself, the probe fails and says so.
    if (!process.features.typescript) {
      assert.equal(report.typescript.probe.loaded, false);
      assert.equal(tsx.inheritedByWorker, false);
      assert.match(report.typescript.hint, /check that the tsx package is installed/);
    }
    assert.deepEqual(report.runtime.preloads, [{ flag: '--import', module: preload, from: 'NODE_OPTIONS', runsInWorker: true }]);
    assert.ok(
      report.notes.some((n) => n.startsWith("--import preloads are replayed in syncbridge's worker")),
      report.notes.join('\n'),
    );
    assert.deepEqual(report.typescript.installedNotActive, []);
    assert.match(report.callDefaults.problem, /SYNCBRIDGE_TIMEOUT="soon"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("what the doctor says about preloads holds: --require and --import preloads both run in syncbridge's worker", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-doctor-test-'));
  try {
    fs.writeFileSync(path.join(dir, 'mark.cjs'), 'globalThis.markedByRequire = true;\n');
    fs.writeFileSync(path.join(dir, 'mark.mjs'), 'globalThis.markedByImport = true;\n');
    fs.writeFileSync(
      path.join(dir, 'check.mjs'),
      `import { runSync } from ${JSON.stringify(pathToFileURL(path.join(root, 'dist/index.mjs')).href)};
       console.log(JSON.stringify([globalThis.markedByRequire, globalThis.markedByImport, runSync(() => [globalThis.markedByRequire ?? false, globalThis.markedByImport ?? false])]));`,
    );
    const flags = ['--require', path.join(dir, 'mark.cjs'), '--import', pathToFileURL(path.join(dir, 'mark.mjs')).href];
    const result = spawnSync(process.execPath, [...flags, path.join(dir, 'check.mjs')], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    // The worker replays --import preloads (src/worker/preloads.ts); doctor.ts (preloadFlags) says so.
    assert.deepEqual(JSON.parse(result.stdout), [true, true, [true, true]]);
    const report = json(run(['doctor', '--json', '--calls', '10'], { flags }));
    assert.deepEqual(
      report.runtime.preloads.map((p) => [p.flag, p.runsInWorker]),
      [
        ['--require', true],
        ['--import', true],
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('doctor recognises ts-node in the --import line ts-node\'s docs give (register("ts-node/esm") in a data: URL)', () => {
  // A stand-in ts-node whose ESM hooks module has no hooks: what is detected is the flag, run for real by Node.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-doctor-test-'));
  try {
    fs.mkdirSync(path.join(dir, 'node_modules/ts-node'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules/ts-node/package.json'), '{ "name": "ts-node", "version": "0.0.0", "exports": { "./esm": "./esm.mjs" } }\n');
    fs.writeFileSync(path.join(dir, 'node_modules/ts-node/esm.mjs'), '// no hooks\n');
    const documented =
      'data:text/javascript,import { register } from "node:module"; import { pathToFileURL } from "node:url"; register("ts-node/esm", pathToFileURL("./"));';
    const report = json(run(['doctor', '--json', '--calls', '10'], { flags: ['--import', documented], cwd: dir }));
    const tsNode = report.typescript.loaders.find((l) => l.name === 'ts-node');
    assert.ok(tsNode, JSON.stringify(report.typescript.loaders));
    assert.match(tsNode.via, /preloaded in execArgv/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Every runtime scripts/install-runtimes.mjs has put into .runtimes/ (skipped where not installed).
const RUNTIMES = [
  ['node22', []],
  ['node24', []],
  ['node26', []],
  ['deno', ['run', '-A']],
  ['bun', []],
];
for (const [name, runtimeArgs] of RUNTIMES) {
  const binary = runtimePath(name);
  test(`doctor --json on ${name}`, { skip: binary ? false : `${name} not installed (node scripts/install-runtimes.mjs ${name})` }, () => {
    const result = run(['doctor', '--json', '--calls', '50'], { runtime: [binary, ...runtimeArgs] });
    const report = json(result);
    assertSaneReport(report, result);
    assert.equal(report.runtime.name, name.replace(/\d+$/, ''));
    assert.equal(report.runtime.execPath, binary);
    if (name === 'bun') {
      // Known: on Bun values that need v8 serialization do not cross yet; the doctor must say which.
      const w = worker(report);
      if (!w.works) assert.match(w.reason, /values do not cross|check failed/);
      assert.equal(report.typescript.loaders[0].name, 'bun');
      return;
    }
    assert.equal(result.status, 0, result.stdout);
    assert.equal(worker(report).works, true);
    // Node 22.18+ strips types by default; Deno runs TypeScript itself.
    assert.equal(report.typescript.probe.loaded, true, JSON.stringify(report.typescript));
    assert.equal(report.typescript.loaders[0].name, name === 'deno' ? 'deno' : 'node-strip-types');
  });
}
