// strategy: 'auto' takes a worker thread where one can serve and a child process where it cannot, and says
// why: explain() as data, NODE_DEBUG=syncbridge as it decides. Each reason is put in place for real: Node's
// permission model, a native addon that is not context-aware (built here), the cwd option.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explain, syncify } from 'syncbridge';
import { buildLegacyAddon } from './addon-helpers.mjs';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const library = new URL('../dist/index.mjs', import.meta.url).href;
const isolation = JSON.stringify(fixture('isolation.mjs').href);
// Node 20 and 21 call it --experimental-permission; 22.13+ also accept --permission.
const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/** Runs a script that prints one JSON line: what the call returned or threw, and explain(). */
function outcome(body, { env, ...options } = {}) {
  const result = runScript(
    `import { syncify, explain } from '${library}';
    const report = {};
    try { ${body} } catch (error) { report.code = error.code; report.message = error.message; }
    try { report.explained = explain(); } catch (error) { report.explainCode = error.code; }
    console.log(JSON.stringify(report));`,
    // The suite's second run sets SYNCBRIDGE_STRATEGY=process; these scripts are about what auto decides.
    { ...options, env: { SYNCBRIDGE_STRATEGY: '', ...env } },
  );
  assert.equal(result.status, 0, result.stderr);
  return { ...JSON.parse(result.stdout.trim().split('\n').pop()), stderr: result.stderr };
}

test('by default a worker thread serves, and explain() says why, as data', () => {
  const explained = explain();
  assert.equal(explained.requested, 'auto');
  assert.equal(explained.strategy, 'thread');
  assert.deepEqual(
    explained.considered.map((c) => [c.strategy, c.usable]),
    [
      ['thread', true],
      ['process', true],
    ],
  );
  assert.match(explained.considered[0].reason, /worker thread can serve/);
});

test('under the permission model with --allow-child-process but not --allow-worker, auto runs the call in a child process', () => {
  const report = outcome(`report.pid = syncify(${isolation}).pid(); report.own = process.pid;`, {
    args: [permission, '--allow-fs-read=*', '--allow-child-process'],
  });
  assert.equal(report.code, undefined, report.message);
  assert.notEqual(report.pid, report.own);
  assert.equal(report.explained.strategy, 'process');
  assert.equal(report.explained.running, 'process');
  assert.deepEqual(report.explained.considered[0], {
    strategy: 'thread',
    usable: false,
    reason: "Node's permission model forbids worker threads here (no --allow-worker)",
  });
});

test('under the permission model with neither grant, a call fails at once with ERR_SYNCBRIDGE_UNSUPPORTED naming both flags', () => {
  const report = outcome(`syncify(${isolation}).pid();`, { args: [permission, '--allow-fs-read=*'] });
  assert.equal(report.code, 'ERR_SYNCBRIDGE_UNSUPPORTED');
  assert.match(
    report.message,
    /^pid\(\) from .*: Node's permission model forbids worker threads here \(no --allow-worker\)\. A worker process cannot serve either: .*--allow-child-process/,
  );
  assert.equal(report.explained.strategy, null);
});

test("strategy: 'thread' where only a process can serve fails with the reason, and says that 'process' would work", () => {
  const report = outcome(`syncify(${isolation}, { strategy: 'thread' }).pid();`, { args: [permission, '--allow-fs-read=*', '--allow-child-process'] });
  assert.equal(report.code, 'ERR_SYNCBRIDGE_UNSUPPORTED');
  assert.match(report.message, /no --allow-worker\)\. strategy: 'process' would work here\.$/);
});

test('NODE_DEBUG=syncbridge logs each decision as it is made', () => {
  const report = outcome(`syncify(${isolation}).pid();`, {
    args: [permission, '--allow-fs-read=*', '--allow-child-process'],
    env: { NODE_DEBUG: 'syncbridge' },
  });
  assert.match(report.stderr, /SYNCBRIDGE \d+: strategy process \(chosen by auto\); thread: not usable, Node's permission model forbids worker threads/);
});

test('a module that loads a native addon that is not context-aware moves to a worker process under auto, once, and stays there', () => {
  const addon = buildLegacyAddon();
  const module = JSON.stringify(fixture('legacy-addon-module.mjs').href);
  // The caller's main thread loads the addon first: a legacy addon then loads in no other thread of the process.
  const report = outcome(
    `const { createRequire } = await import('node:module');
    createRequire(import.meta.url)(${JSON.stringify(addon)});
    report.first = syncify(${module}).greet();
    report.second = syncify(${module}).greet();
    report.own = process.pid;
    report.modules = explain().modules;`,
    { env: { SYNCBRIDGE_TEST_ADDON: addon, NODE_DEBUG: 'syncbridge' } },
  );
  assert.equal(report.code, undefined, report.message);
  assert.equal(report.first.text, 'hello from a legacy addon');
  assert.notEqual(report.first.pid, report.own, 'the addon ran in a child process');
  assert.equal(report.second.pid, report.first.pid, 'the second syncify() goes straight to the same process');
  assert.equal(report.modules.length, 1);
  assert.match(report.modules[0].reason, /native addon that is not context-aware.*did not self-register/);
  assert.equal(report.stderr.match(/moves to a worker process/g)?.length, 1, report.stderr);
});

test("with strategy: 'thread' the same module fails with the addon's own error, and no move", () => {
  const addon = buildLegacyAddon();
  const module = JSON.stringify(fixture('legacy-addon-module.mjs').href);
  const report = outcome(
    `const { createRequire } = await import('node:module');
    createRequire(import.meta.url)(${JSON.stringify(addon)});
    syncify(${module}, { strategy: 'thread' }).greet();`,
    { env: { SYNCBRIDGE_TEST_ADDON: addon } },
  );
  assert.equal(report.code, 'ERR_SYNCBRIDGE_MODULE');
  assert.match(report.message, /did not self-register/);
});

test("the cwd option asks for a process under auto (a thread shares the caller's directory)", () => {
  const explained = explain({ cwd: '/' });
  assert.equal(explained.strategy, 'process');
  assert.match(explained.considered[0].reason, /"cwd" option needs a process/);
});

test('a strategy that is not one is refused where it is given, as SYNCBRIDGE_STRATEGY is', () => {
  assertBridgeError(
    () => syncify(fixture('isolation.mjs'), { strategy: 'fork' }),
    'ERR_SYNCBRIDGE_INVALID_ARG',
    /"strategy" must be one of 'auto', 'thread', 'process'; got "fork"/,
  );
  const report = outcome(`syncify(${isolation}).pid();`, { env: { SYNCBRIDGE_STRATEGY: 'fork' } });
  assert.equal(report.code, 'ERR_SYNCBRIDGE_INVALID_ARG');
  assert.match(report.message, /SYNCBRIDGE_STRATEGY="fork" must be one of auto, thread, process/);
});

test("{ strategy: 'auto' } and no strategy are one bridge: explain() of either tells of the worker running", () => {
  const { explained, auto, code, message } = outcome(`syncify(${isolation}).pid(); report.auto = explain({ strategy: 'auto' }).running;`);
  assert.equal(code, undefined, message);
  assert.equal(explained.running, 'thread');
  assert.equal(auto, 'thread', "explain({ strategy: 'auto' }) sees the worker the default options started");
});
