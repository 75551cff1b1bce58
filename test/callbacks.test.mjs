// Functions the caller passes (plugins, hooks, listeners) run on the caller's thread while it is blocked,
// and between calls on its event loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { close, ErrorCodes, runSync, SyncBridgeError, syncify } from 'syncbridge';
import { assertBridgeError, fixture, runScript } from './helpers.mjs';

const sdk = syncify(fixture('sdk.mjs'), { timeout: 20_000 });

test('a function argument runs on the calling thread, and its return value reaches the worker', () => {
  const threads = [];
  const add = (a, b) => {
    threads.push(globalThis.process.threadId ?? 0);
    return a + b;
  };
  assert.equal(sdk.callOnly(add, 2, 3), 5);
  assert.deepEqual(
    sdk.callTwice((x) => x * 10, 1),
    [10, 20],
  );
  assert.deepEqual(threads, [0], 'the callback ran on this (the main) thread');
});

test("a plugin's method runs with its object as `this`, and the worker's object it receives is a proxy", () => {
  const plugin = {
    name: 'css',
    prefix: 'P:',
    setup(build) {
      build.onLoad(/\.css$/, (args) => ({ contents: this.prefix + args.path }));
    },
  };
  const out = sdk.build({ files: ['a.css', 'b.js'], plugins: [plugin] });
  assert.deepEqual(out, [{ contents: 'P:a.css' }, { contents: 'default' }]);
});

test('re-entrant calls nest to any depth without deadlock', () => {
  const down = (n) => (n <= 0 ? 'bottom' : sdk.depth(down, n - 1));
  // Each level: the worker calls back (n), the callback calls the worker again (n - 1).
  assert.equal(sdk.depth(down, 16), '16:14:12:10:8:6:4:2:bottom');
});

test("a callback's throw reaches the worker with class, code and cause, and comes back to the caller intact", () => {
  const cause = new Error('root cause');
  const error = assert.throws(
    () =>
      sdk.callOnly(function failing() {
        throw Object.assign(new TypeError('callback failed', { cause }), { code: 'E_CB' });
      }),
    (e) => e instanceof TypeError && e.code === 'E_CB' && e.message === 'callback failed' && e.cause?.message === 'root cause',
  );
  void error;
  let caught;
  try {
    sdk.callOnly(function failing() {
      throw new RangeError('from the callback');
    });
  } catch (e) {
    caught = e;
  }
  const lines = caught.stack.split('\n');
  const callback = lines.findIndex((l) => l.includes('calling thread above (a callback), worker thread below'));
  const worker = lines.findIndex((l) => l.includes('worker thread above, calling thread below'));
  assert.ok(callback > 0 && worker > callback, caught.stack);
  assert.match(lines.slice(1, callback).join('\n'), /at failing /, 'the callback frames come first');
  assert.match(lines.slice(callback, worker).join('\n'), /callOnly .*sdk\.mjs/, "then the worker's frames");
  assert.match(lines.slice(worker).join('\n'), /callbacks\.test\.mjs/, "then the caller's");
});

test('a callback that returns a promise while the caller is blocked fails with ERR_SYNCBRIDGE_CALLBACK_ASYNC, and nothing hangs', () => {
  const error = assert.throws(
    () => sdk.callOnly(async () => 1),
    (e) => e instanceof SyncBridgeError,
  );
  void error;
  try {
    sdk.callOnly(async function loadsLater() {});
  } catch (e) {
    assert.equal(e.code, ErrorCodes.CALLBACK_ASYNC);
    assert.match(e.message, /callback loadsLater: it returned a promise while the calling thread was blocked/);
    assert.match(e.message, /Make the callback synchronous/);
  }
  assert.equal(
    sdk.callOnly(() => 'still works'),
    'still works',
  );
});

test('a listener registered in one call fires inside a later call, and on the event loop between calls, in order', async () => {
  const seen = [];
  const listener = (value) => seen.push(value);
  sdk.on('tick', listener);
  sdk.emitNow('tick', 'during a call');
  assert.deepEqual(seen, ['during a call']);
  sdk.emitLater('tick', 'between calls', 5);
  sdk.emitLater('tick', 'and again', 10);
  await sleep(200);
  assert.deepEqual(seen, ['during a call', 'between calls', 'and again']);
  assert.equal(sdk.off('tick', listener), 0, 'the same function passed twice is the same function in the worker');
});

test('between calls a listener may be async: its promise is awaited', async () => {
  const seen = [];
  const listener = async (value) => {
    await sleep(5);
    seen.push(value);
  };
  sdk.on('async', listener);
  sdk.emitLater('async', 1, 1);
  await sleep(200);
  assert.deepEqual(seen, [1]);
  sdk.off('async', listener);
});

test('the same function passed in two calls is one function in the worker', () => {
  const fn = () => 1;
  assert.equal(sdk.sameObject(fn, fn), true);
  sdk.on('same', fn);
  assert.equal(sdk.off('same', fn), 0);
});

test('a pending listener does not keep the process alive', () => {
  const library = JSON.stringify(import.meta.resolve('syncbridge'));
  const result = runScript(
    `import { syncify } from ${library};
    const sdk = syncify(${JSON.stringify(fixture('sdk.mjs').href)});
    sdk.on('never', () => console.log('fired'));
    console.log('registered');`,
    { timeout: 15_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'registered');
});

test('static methods of an exported class run in the worker', () => {
  const account = sdk.Account.open('static');
  assert.equal(account.name, 'static');
});

test('a callback the worker no longer holds is let go on this side too (its closure can be collected)', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const baseline = process.memoryUsage().arrayBuffers;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 30; i++) {
      const big = new Uint8Array(1 << 20).fill(i); // 1 MiB that only the closure holds
      assert.equal(
        sdk.callOnly(() => big[0]),
        i,
      );
    }
    sdk.collect(); // the worker finalizes its functions and tells us which ones it dropped
    await turn();
    gc();
  }
  sdk.collect();
  await turn();
  gc();
  const grown = (process.memoryUsage().arrayBuffers - baseline) / (1 << 20);
  assert.ok(grown < 100, `${grown.toFixed(0)} MiB of 300 MiB of callback closures are still held`);
});

test('a function in a call refused for a later argument is not held on this side (its closure can be collected)', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const baseline = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 200; i++) {
    const big = new Uint8Array(1 << 20).fill(i); // 1 MiB that only the closure holds
    // Argument 1 becomes a callback before argument 2 (a symbol) is refused: the call is never sent.
    assertBridgeError(() => sdk.callOnly(() => big[0], Symbol('no')), ErrorCodes.CLONE);
  }
  await turn();
  gc();
  const grown = (process.memoryUsage().arrayBuffers - baseline) / (1 << 20);
  assert.ok(grown < 100, `${grown.toFixed(0)} MiB of 200 MiB of refused calls' closures are still held`);
});

test('a callback that calls close() and then starts a new worker: the outer call says what stopped its worker, and the new worker survives', () => {
  const account = sdk.Account.open('before');
  assert.equal(account.name, 'before');
  let fresh;
  const error = assertBridgeError(
    () =>
      sdk.callOnly(() => {
        close();
        fresh = sdk.Account.open('fresh'); // starts a new worker, inside the old worker's call
        return 1;
      }),
    ErrorCodes.WORKER_EXIT,
    /^callOnly\(\) from .*sdk\.mjs: the worker was stopped while this call was waiting for it, during a callback the call made: close\(\) stopped it\./,
  );
  assert.doesNotMatch(error.message, /terminated from outside/);
  assert.equal(fresh.name, 'fresh', "the outer call's failure does not stop the worker its callback started");
  assertBridgeError(() => account.name, ErrorCodes.RELEASED, /close\(\) stopped it/);
});

test('a nested call that times out inside a callback: the outer call names the timeout as what stopped the worker', () => {
  const short = syncify(fixture('faults.mjs'), { timeout: 300 });
  const error = assertBridgeError(
    () => sdk.callOnly(() => short.neverSettles()),
    ErrorCodes.WORKER_EXIT,
    /^callOnly\(\) from .*: the worker was stopped while this call was waiting for it, during a callback the call made: neverSettles\(\) from .*faults\.mjs timed out\./,
  );
  assert.equal(error.cause?.code, ErrorCodes.TIMEOUT);
  assert.equal(
    sdk.callOnly((x) => x, 'next'),
    'next',
    'the next call starts a fresh worker',
  );
});

test('an uncaught exception during a nested call: the nested call gets UNCAUGHT, the outer call says why its worker went', () => {
  let nested;
  const error = assertBridgeError(
    () =>
      sdk.callOnly(() => {
        try {
          syncify(fixture('faults.mjs')).throwFromTimer();
        } catch (e) {
          nested = e;
          throw e;
        }
      }),
    ErrorCodes.WORKER_EXIT,
    /during a callback the call made: an uncaught exception in it\./,
  );
  assert.equal(nested?.code, ErrorCodes.UNCAUGHT);
  assert.equal(error.cause, nested);
});

test("a callback's error whose own getter throws still reaches the worker, saying so, and the call is answered", () => {
  let error;
  assert.throws(
    () =>
      sdk.callOnly(function hostile() {
        const thrown = new RangeError('hidden');
        Object.defineProperty(thrown, 'message', {
          get() {
            throw new Error('getter boom');
          },
        });
        throw thrown;
      }),
    (e) => {
      error = e;
      return e instanceof RangeError;
    },
  );
  assert.match(error.message, /its message getter threw Error: getter boom/);
  assert.equal(
    sdk.callOnly(() => 'answered'),
    'answered',
  );
});

test('callbacks the worker runs at once (Promise.all) all answer, each with its own value, call after call', () => {
  // What they cost (each answer once waited for a 1 ms poll) is measured by the benchmark, not asserted here.
  const callbacks = Array.from({ length: 8 }, (_, i) => () => i);
  const all = (...fns) => sdk.callAll(fns);
  for (let round = 0; round < 21; round++) assert.deepEqual(all(...callbacks), [0, 1, 2, 3, 4, 5, 6, 7]);
});

// An async listener works between calls (its promise is awaited), but if the worker's timer fires it while
// this thread is blocked in any other call, it is refused with CALLBACK_ASYNC (nothing can await it then);
// the emitter drops that rejected promise, so it is an unhandled rejection in the worker: the unrelated call
// fails with UNCAUGHT and the worker is replaced. Whether it works depends on timing. A callback called from
// outside any in-flight call (a timer of a finished one) could have its answer deferred until this thread's
// event loop runs, instead of being refused.
test.todo('an async listener fired by a worker timer during an unrelated call does not fail that call or replace the worker', async () => {
  const faults = syncify(fixture('faults.mjs'));
  const seen = [];
  const listener = async (value) => {
    await sleep(1);
    seen.push(value);
  };
  sdk.on('async-during', listener);
  sdk.emitLater('async-during', 'during a call', 5);
  faults.sleep(100); // ERR_SYNCBRIDGE_UNCAUGHT: an unhandled rejection ... CALLBACK_ASYNC
  await sleep(50);
  assert.deepEqual(seen, ['during a call']);
  sdk.off('async-during', listener);
});

test('two callbacks outstanding at once, one throwing after a nested call, the other nesting a callback of its own', () => {
  const outcome = runSync(
    async (a, b) => (await Promise.allSettled([a(1), b(2)])).map((s) => (s.status === 'fulfilled' ? s.value : `${s.reason.name}: ${s.reason.message}`)),
    (x) => {
      assert.equal(
        runSync((y) => y * 10, x),
        10,
      );
      throw new TypeError('after a nested call');
    },
    (x) =>
      runSync(
        async (y, inner) => y + (await inner()),
        x,
        () => 100,
      ),
  );
  assert.deepEqual(outcome, ['TypeError: after a nested call', 102]);
});

test("the worker's output and a callback's output keep their order", () => {
  const result = runScript(
    `import { runSync } from ${JSON.stringify(import.meta.resolve('syncbridge'))};
    runSync(async (print) => { console.log('worker 1'); await print('callback 1'); console.log('worker 2'); await print('callback 2'); console.log('worker 3'); }, (s) => console.log(s));`,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['worker 1', 'callback 1', 'worker 2', 'callback 2', 'worker 3']);
});

test("50,000 callback round trips leave the worker's heap flat (no waiter or table entry per callback)", () => {
  const heap = () =>
    runSync(async () => {
      const { setFlagsFromString } = await import('node:v8');
      const { runInNewContext } = await import('node:vm');
      setFlagsFromString('--expose-gc');
      const collect = runInNewContext('gc');
      for (let i = 0; i < 3; i++) {
        collect();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return process.memoryUsage().heapUsed;
    });
  const loop = (n) =>
    runSync(
      async (step, count) => {
        let sum = 0;
        for (let i = 0; i < count; i++) sum = await step(sum);
        return sum;
      },
      (x) => x + 1,
      n,
    );
  loop(1_000);
  const before = heap();
  assert.equal(loop(50_000), 50_000);
  const grown = heap() - before;
  assert.ok(grown < 2_000_000, `the worker's heap grew by ${(grown / 1e6).toFixed(2)} MB over 50,000 callback round trips`);
});

test('a callback that throws a value that cannot cross: the error says the callback threw it, not the worker', () => {
  assertBridgeError(
    () =>
      sdk.callOnly(function throwsAFunction() {
        throw () => 1;
      }),
    ErrorCodes.CLONE,
    /^A callback \(on the calling thread\) threw a value that cannot cross threads: the thrown value is a function/,
  );
});
