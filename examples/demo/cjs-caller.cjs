// The same, from CommonJS: require() works because syncify() itself is synchronous.
const path = require('node:path');
const { syncify, runSync } = require('syncbridge');

const api = process.env.DEMO_API;
if (!api) throw new Error('DEMO_API is not set; start the demo with `node examples/demo/run.mjs`');

// An absolute path, not './client.mjs': the worker could not tell what a relative path is relative to.
const client = syncify(path.join(__dirname, 'client.mjs'), { timeout: 5000 });

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
const [user, firstCall] = time(() => client.fetchUser(2));
row('client.fetchUser(2)', JSON.stringify(user));
row('client.createNote("from cjs")', JSON.stringify(client.createNote('from cjs')));
row(
  'runSync(content-type, /users/1)',
  runSync(async (url) => (await fetch(url)).headers.get('content-type'), `${api}/users/1`),
);

console.log('\ntimings');
row('first call (starts the worker)', ms(firstCall));
row('median of 50 ping(), no I/O', ms(median(() => client.ping())));
row('median of 50 fetchUser(1), HTTP', ms(median(() => client.fetchUser(1))));

console.log('\nerrors');
try {
  client.fetchUser(7);
} catch (err) {
  row('class', err.constructor.name);
  row('code / status', `${err.code} / ${err.status}`);
  row('message', err.message);
  // One stack: the frames in the worker, a marker, then where this file made the call.
  const frames = err.stack.split('\n').filter((line) => /client\.mjs|syncbridge:|cjs-caller/.test(line));
  frames.forEach((line, i) => row(i ? '' : 'stack', line.trim().replace(/(file:\/\/)?\/\S*\//, '')));
}

console.log('\nworker output, in order');
console.log('    [caller] before countdown(2)');
const result = client.countdown(2);
console.log(`    [caller] after: ${result}`);
