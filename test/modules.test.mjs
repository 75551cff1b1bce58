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

test('an ES module in the worker sees no CommonJS globals (module, exports, __filename, __dirname), as in the caller', () => {
  const m = syncify(fixture('esm-globals.mjs'));
  assert.deepEqual(m.scriptGlobals(), ['undefined', 'undefined', 'undefined', 'undefined']);
  assert.equal(m.umdVersion(), 1);
});
