// Synchronous code calling the async client.mjs, from an ES module.
import { syncify, runSync } from 'syncbridge';

const api = process.env.DEMO_API;
if (!api) throw new Error('DEMO_API is not set; start the demo with `node examples/demo/run.mjs`');

// A URL, not './client.mjs': the worker could not tell what a relative path is relative to.
const client = syncify(new URL('./client.mjs', import.meta.url), { timeout: 5000 });

const row = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);
const ms = (t) => `${t.toFixed(2).padStart(7)} ms`;
const time = (fn) => {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
};
const median = (fn, n = 50) => {
  const times = Array.from({ length: n }, () => time(fn)[1]).sort((a, b) => a - b);
  return (times[(n - 1) >> 1] + times[n >> 1]) / 2;
};

console.log('\nresults');
const [user, firstCall] = time(() => client.fetchUser(1)); // no await: the call returns the value
row('client.fetchUser(1)', JSON.stringify(user));
row('client.createNote("hello")', JSON.stringify(client.createNote('hello')));
// Only the function's source crosses to the worker, so it gets the URL as an argument.
row(
  'runSync(fetch status, /users/404)',
  runSync(async (url) => (await fetch(url)).status, `${api}/users/404`),
);

console.log('\ntimings');
row('first call (starts the worker)', ms(firstCall));
row('median of 50 ping(), no I/O', ms(median(() => client.ping())));
row('median of 50 fetchUser(2), HTTP', ms(median(() => client.fetchUser(2))));

console.log('\nerrors');
try {
  client.fetchUser(404);
} catch (err) {
  // The class is rebuilt on this side, so identify it by name and code, not instanceof.
  row('class', err.constructor.name);
  row('code / status', `${err.code} / ${err.status}`);
  row('message', err.message);
  // One stack: the frames in the worker, a marker, then where this file made the call.
  const frames = err.stack.split('\n').filter((line) => /client\.mjs|syncbridge:|esm-caller/.test(line));
  frames.forEach((line, i) => row(i ? '' : 'stack', line.trim().replace(/(file:\/\/)?\/\S*\//, '')));
}

console.log('\nworker output, in order');
console.log('    [caller] before countdown(3)');
const result = client.countdown(3);
console.log(`    [caller] after: ${result}`);
