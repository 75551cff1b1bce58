import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSync, syncify, ErrorCodes } from 'syncbridge';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const m = syncify(fixture('faults.mjs'), { timeout: 1_000, warnAfter: 0 });
// The same worker slot as `m` (same worker options), with room for a fresh worker to start on a loaded
// machine: the calls that prove recovery must not time out themselves.
const patient = syncify(fixture('faults.mjs'), { timeout: 30_000, warnAfter: 0 });

test('a promise that never settles ends in ERR_SYNCBRIDGE_TIMEOUT, and the next call works', () => {
  assertBridgeError(() => m.neverSettles(), ErrorCodes.TIMEOUT, /neverSettles\(\)/, /within 1000 ms/, /state is lost/);
  assert.equal(patient.ok(), 'ok');
});

test('a CPU loop that never yields ends in ERR_SYNCBRIDGE_TIMEOUT: the worker is terminated and replaced', () => {
  assertBridgeError(() => m.spinForever(), ErrorCodes.TIMEOUT, /spinForever\(\)/);
  assert.equal(patient.ok(), 'ok');
});

test('the timeout bounds the whole call, the worker start and module load included', () => {
  const fresh = syncify(fixture('faults.mjs'), { timeout: 1, execArgv: [] });
  const started = Date.now();
  assertBridgeError(() => fresh.ok(), ErrorCodes.TIMEOUT);
  assert.ok(Date.now() - started < 1_000);
});

test('a late answer to a timed-out call is never taken as the answer to a later call', () => {
  assertBridgeError(() => m.sleep(1_500), ErrorCodes.TIMEOUT);
  assert.equal(patient.sleep(10), 10);
  assert.equal(patient.ok(), 'ok');
});

test('process.exit() in the worker ends the call with ERR_SYNCBRIDGE_WORKER_EXIT and its code', () => {
  const error = assertBridgeError(() => m.exitWith(3), ErrorCodes.WORKER_EXIT, /exited with code 3/, /state is lost/);
  assert.ok(error.message.includes('exitWith()'));
  assert.equal(patient.ok(), 'ok');
});

test('an exception thrown from a timer during the call ends it with ERR_SYNCBRIDGE_UNCAUGHT, cause and stack kept', () => {
  const error = assertBridgeError(() => m.throwFromTimer(), ErrorCodes.UNCAUGHT, /uncaught exception/, /replaced/);
  // The top line, all that many logs show, says what was thrown.
  assert.match(error.message.split('\n')[0], /an uncaught exception happened in the worker during the call: RangeError: thrown from a timer\./);
  assert.ok(error.cause instanceof RangeError);
  assert.equal(error.cause.message, 'thrown from a timer');
  assert.match(error.cause.stack, /faults\.mjs/);
  assert.equal(patient.ok(), 'ok');
});

test('an unhandled rejection during the call ends it with ERR_SYNCBRIDGE_UNCAUGHT', () => {
  const error = assertBridgeError(() => m.rejectUnhandled(), ErrorCodes.UNCAUGHT, /unhandled rejection/);
  assert.match(error.message.split('\n')[0], /an unhandled rejection happened in the worker during the call: Error: nobody handles me\./);
  assert.equal(error.cause.message, 'nobody handles me');
  assert.equal(patient.ok(), 'ok');
});

test('an UNCAUGHT whose cause ends its own sentence gets one full stop, not two', () => {
  const error = assertBridgeError(
    () =>
      runSync(async () => {
        setTimeout(() => {
          throw new Error('the disk is full.');
        }, 1);
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }),
    ErrorCodes.UNCAUGHT,
  );
  const top = error.message.split('\n')[0];
  assert.match(top, /during the call: Error: the disk is full\. It would end a Node process\./);
  assert.doesNotMatch(top, /\.\./);
  assert.doesNotMatch(top, /\[cause:/);
  assert.equal(patient.ok(), 'ok');
});

test('a worker that cannot start (bad execArgv) fails the call with ERR_SYNCBRIDGE_WORKER_EXIT', () => {
  const broken = syncify(fixture('faults.mjs'), { execArgv: ['--no-such-flag-anywhere'] });
  assertBridgeError(() => broken.ok(), ErrorCodes.WORKER_EXIT, /could not be started|failed while starting/);
});

test('a worker that runs out of memory under resourceLimits fails the call with ERR_SYNCBRIDGE_WORKER_EXIT saying so', () => {
  // A timeout far above the ~0.2 s detection: the error must be WORKER_EXIT, not TIMEOUT (no silent wait).
  const limited = syncify(fixture('faults.mjs'), { resourceLimits: { maxOldGenerationSizeMb: 32 }, timeout: 5_000 });
  assertBridgeError(() => limited.exhaustMemory(), ErrorCodes.WORKER_EXIT, /ran out of memory/, /maxOldGenerationSizeMb/, /state is lost/);
  assert.equal(limited.ok(), 'ok', 'a fresh worker serves the next call');
});

test("a preload that throws before the worker starts fails the call with the preload's error, not a hang", () => {
  const preload = fileURLToPath(fixture('throwing-preload.cjs'));
  const broken = syncify(fixture('faults.mjs'), { execArgv: ['--require', preload], timeout: 5_000 });
  assertBridgeError(() => broken.ok(), ErrorCodes.WORKER_EXIT, /failed while starting/, /the preload exploded/);
});

test('an error thrown between calls is reported on stderr, and the next call gets a fresh worker', () => {
  const result = runScript(`import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
    const m = syncify(${JSON.stringify(fixture('faults.mjs').href)});
    console.log(m.throwLater(10));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // the worker fails meanwhile
    console.log(m.ok());`);
  assert.equal(result.stdout, 'returned first\nok\n');
  assert.match(result.stderr, /syncbridge: an uncaught exception in the worker between calls; the next call starts a fresh worker/);
  assert.match(result.stderr, /thrown between calls/);
  assert.equal(result.status, 0);
});

test('a long wait without timeout is reported on stderr, naming the function and module', () => {
  const result = runScript(`import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
    const m = syncify(${JSON.stringify(fixture('faults.mjs').href)}, { warnAfter: 200 });
    console.log(m.sleep(700));`);
  assert.equal(result.stdout, '700\n');
  assert.match(result.stderr, /syncbridge: sleep\(\) from .*faults\.mjs has been blocking this thread for 0\.[0-9] s/);
  assert.match(result.stderr, /deadlock/);
  assert.ok(result.stderr.split('\n').filter(Boolean).length >= 2, 'reported repeatedly');
});
