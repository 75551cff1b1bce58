// Node's permission model forbids worker threads unless --allow-worker is given: a call must then fail with a
// typed error that names the flag, not with a raw ERR_ACCESS_DENIED, and work once the flag is there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScript } from './helpers.mjs';

const library = new URL('../dist/index.mjs', import.meta.url).href;

// Node 20 and 21 call it --experimental-permission; 22.13+ also accept --permission.
const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
const base = [permission, '--allow-fs-read=*'];
const script = `
import { runSync } from '${library}';
try {
  console.log(JSON.stringify({ value: runSync(async (a, b) => a + b, 2, 3) }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`;

test('under the permission model without --allow-worker, a call fails with ERR_SYNCBRIDGE_UNSUPPORTED naming the flag', () => {
  const result = runScript(script, { args: base });
  assert.equal(result.status, 0, result.stderr);
  const outcome = JSON.parse(result.stdout);
  assert.equal(outcome.code, 'ERR_SYNCBRIDGE_UNSUPPORTED', outcome.message);
  assert.match(outcome.message, /permission model/);
  assert.match(outcome.message, /--allow-worker/);
});

test('under the permission model with --allow-worker, calls work', () => {
  const result = runScript(script, { args: [...base, '--allow-worker'] });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { value: 5 });
});
