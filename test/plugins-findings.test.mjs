// What running real plugin APIs through syncbridge (examples/plugins, test/matrix/cells/plugins.mjs) showed
// to differ from the same code with await. Each is a test.todo until the library decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncify } from 'syncbridge';
import { fixture } from './helpers.mjs';

test('with await, `import * as m` and calling a named export never read the default export', async () => {
  const m = await import(fixture('default-getters.mjs'));
  assert.equal(m.compile('x'), 'compiled x');
  assert.equal(m.reads(), 0);
});

// Today: 2 reads. syncify(url) builds its export table (src/worker/modules.ts, tableOf) by copying every property
// of `namespace.default` first, for CommonJS's sake; for an ES module that runs the default export's
// getters. sass's ESM entry (sass.node.mjs) has exactly such getters, so `syncify('sass')` (or
// `syncify(import.meta.resolve('sass'))`) prints "`import sass from 'sass'` is deprecated. Please use
// `import * as sass from 'sass'` instead." on stderr although nothing imported the default. Reproduction:
//   // m.mjs
//   export const f = () => 1;
//   export default { get f() { console.error('default read'); return f; } };
//   // caller
//   syncify(new URL('./m.mjs', import.meta.url)).f();   // prints "default read"
// Either take the default's properties only for CommonJS (no named export of that name, or a namespace
// that is a CommonJS one), or read them with Object.getOwnPropertyDescriptor and skip accessors.
test.todo("syncify of an ES module does not run its default export's getters (sass's deprecation warning)", () => {
  const m = syncify(fixture('default-getters.mjs'), { timeout: 20_000 });
  assert.equal(m.compile('x'), 'compiled x');
  assert.equal(m.reads(), 0);
});
