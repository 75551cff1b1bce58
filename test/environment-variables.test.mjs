// SYNCBRIDGE_* environment variables: one reader (src/config/defaults.ts), so a value a setting does not accept
// is refused the same way by every reader (syncify(), runSync(), runSync.with(), the doctor), naming the
// variable and the fix, and a variable accepts exactly what its option accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, runScript } from './helpers.mjs';

const library = JSON.stringify(new URL('../dist/index.mjs', import.meta.url).href);
const module = JSON.stringify(fixture('esm-module.mjs').href);

/** What each reader does in a process started with this environment: ['ok', result] or [code, message]. */
function readers(env, setInScript = {}) {
  const source = `import { diagnose, runSync, syncify } from ${library};
    Object.assign(process.env, ${JSON.stringify(setInScript)});
    const outcome = (fn) => { try { return ['ok', fn()]; } catch (error) { return [error.code, error.message]; } };
    console.log(JSON.stringify({
      syncify: outcome(() => syncify(${module}).multiplySync(2, 3)),
      runSync: outcome(() => runSync(() => 6)),
      runSyncWith: outcome(() => runSync.with({ env: { ...process.env } })(() => 6)),
      doctor: diagnose({ calls: 1 }).callDefaults.problem ?? 'ok',
    }));`;
  const result = runScript(source, { env });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const REFUSED = [
  ['SYNCBRIDGE_TIMEOUT', 'abc', /must be a positive number of milliseconds \(or Infinity\)/],
  ['SYNCBRIDGE_TIMEOUT', '0', /must be a positive number of milliseconds/], // as the "timeout" option refuses 0
  ['SYNCBRIDGE_TIMEOUT', '-1', /must be a positive number of milliseconds/],
  ['SYNCBRIDGE_WARN_AFTER', 'soon', /must be a non-negative number of milliseconds \(or Infinity\)/],
  ['SYNCBRIDGE_SPIN_MICROS', 'abc', /must be a non-negative finite number of microseconds/],
  ['SYNCBRIDGE_SPIN_MICROS', 'Infinity', /must be a non-negative finite number of microseconds/],
  ['SYNCBRIDGE_WAKE_SPIN_MICROS', '-5', /must be a non-negative finite number of microseconds/],
];

test('a SYNCBRIDGE_* variable with a value its setting does not accept is refused by every reader, the same way, naming the variable and the fix', () => {
  for (const [name, value, rule] of REFUSED) {
    const outcomes = readers({ [name]: value });
    const what = `${name}=${value}: ${JSON.stringify(outcomes)}`;
    for (const reader of ['syncify', 'runSync', 'runSyncWith']) {
      const [code, message] = outcomes[reader];
      assert.equal(code, 'ERR_SYNCBRIDGE_INVALID_ARG', `${reader}, ${what}`);
      assert.ok(message.startsWith(`The environment variable ${name}="${value}" `), `${reader}, ${what}`);
      assert.match(message, rule, `${reader}, ${what}`);
      assert.match(message, new RegExp(`e\\.g\\. ${name}=\\d+.*or unset it`), `${reader}, ${what}`);
      assert.equal(message, outcomes.syncify[1], `${reader} says what syncify() says, ${what}`);
    }
    assert.equal(outcomes.doctor, outcomes.syncify[1], `the doctor says it too, ${what}`);
  }
});

test('values the settings accept are taken from the environment: Infinity, 0 where 0 means off, blank as unset', () => {
  for (const env of [
    { SYNCBRIDGE_TIMEOUT: 'Infinity' },
    { SYNCBRIDGE_TIMEOUT: ' ' },
    { SYNCBRIDGE_TIMEOUT: '60000', SYNCBRIDGE_WARN_AFTER: '0' },
    { SYNCBRIDGE_SPIN_MICROS: '0', SYNCBRIDGE_WAKE_SPIN_MICROS: '0' },
  ]) {
    assert.deepEqual(readers(env), { syncify: ['ok', 6], runSync: ['ok', 6], runSyncWith: ['ok', 6], doctor: 'ok' }, JSON.stringify(env));
  }
});

test('SYNCBRIDGE_TIMEOUT set after the library loaded is still read, and refused, by the next call', () => {
  const outcomes = readers({}, { SYNCBRIDGE_TIMEOUT: 'abc' });
  assert.equal(outcomes.runSync[0], 'ERR_SYNCBRIDGE_INVALID_ARG', JSON.stringify(outcomes));
  assert.match(outcomes.runSync[1], /SYNCBRIDGE_TIMEOUT="abc"/);
});
