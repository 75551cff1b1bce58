// The worker's own code keeps to itself: the modules and functions it runs see the globals of an ordinary
// thread, not syncbridge's internals (which they could read, or clobber by assigning a global of that name).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSync } from 'syncbridge';

test("the worker's internals are not globals where user code runs", () => {
  const leaked = runSync(() => ['classify', 'respond', 'message', 'loaded', 'preloaded', 'handle', 'serve', '__toESM'].filter((name) => name in globalThis));
  assert.deepEqual(leaked, []);
});

test('a global the user assigns in the worker does not break the next call', () => {
  runSync(() => {
    globalThis.message = 'mine';
    globalThis.classify = null;
    globalThis.respond = 42;
  });
  // Before the worker was bundled as an IIFE, this call hung: the worker's own `classify` was gone.
  assert.deepEqual(
    runSync.with({ timeout: 10_000 })(async () => ({ nested: [1, { ok: true }] })),
    { nested: [1, { ok: true }] },
  );
});
