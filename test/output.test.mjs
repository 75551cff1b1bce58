import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, runScript } from './helpers.mjs';

const preamble = `import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
const m = syncify(${JSON.stringify(fixture('output.mjs').href)}, { timeout: 10_000 });`;

test('worker output appears before the call returns, in order, even when the caller exits right after', () => {
  const result = runScript(`${preamble}
    console.log('caller: before');
    const value = m.chatty('first');
    console.log('caller: got ' + value);
    m.chatty('second');
    process.exit(0);`);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      'caller: before',
      'first: log 1',
      'first: write 2',
      'first: log 4 after await',
      'caller: got first: done',
      'second: log 1',
      'second: write 2',
      'second: log 4 after await',
      '',
    ].join('\n'),
  );
  assert.equal(result.stderr, 'first: error 3\nsecond: error 3\n');
});

test('output larger than the shared output area is passed on whole and in order', () => {
  const lines = 5_000; // about 350 KB, several times the output area
  // No process.exit() here: with stdout on a pipe whose reader lags, Node itself drops writes still
  // queued at exit (console.log's too). The small-output test above covers exit-right-after.
  const result = runScript(`${preamble}
    m.flood(${lines});
    console.log('caller: after');`);
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout.trimEnd().split('\n');
  assert.equal(out.length, lines + 1);
  out.slice(0, lines).forEach((line, i) => assert.ok(line.startsWith(`line ${i} `), `line ${i} is "${line.slice(0, 20)}"`));
  assert.equal(out.at(-1), 'caller: after');
});

test('output written before a call times out is not lost', () => {
  const result = runScript(`import { syncify } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
    const m = syncify(${JSON.stringify(fixture('output.mjs').href)}, { timeout: 3_000 });
    try { m.logThenHang(); } catch (error) { console.log('caller: ' + error.code); }
    process.exit(0);`);
  assert.equal(result.stdout, 'written before the hang\ncaller: ERR_SYNCBRIDGE_TIMEOUT\n', result.stderr);
});
