// Module shapes in the worker: what a syncified CommonJS module's functions get as `this`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncify } from 'syncbridge';
import { fixture } from './helpers.mjs';

test('a CommonJS function also visible as a named export is still called on module.exports', () => {
  const m = syncify(fixture('cjs-named-exports.cjs'));
  assert.equal(m.greet('cjs'), 'hello cjs');
  assert.equal(m.add(2, 3), 5);
  assert.deepEqual(Object.keys(m).sort(), ['add', 'greet']);
});
