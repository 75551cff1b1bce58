// The examples run as users run them (`node examples/<name>/run.mjs`, against the built dist/ through the
// package's own name), and print what their READMEs say they print.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function runExample(name) {
  const result = spawnSync(process.execPath, [`examples/${name}/run.mjs`], { cwd: root, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(result.error, undefined, `${name}: ${result.error?.message}`);
  assert.equal(result.status, 0, `${name} exited ${result.status ?? result.signal}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

test('examples/sdk-client: an async SDK class used synchronously, with a token, a cache and a paginated iterator', { timeout: 90_000 }, () => {
  const { stdout, stderr } = runExample('sdk-client');
  const expected = [
    /^server \(child process \d+\) on http:\/\/127\.0\.0\.1:\d+$/,
    /^client: \[remote Client #\d+\]$/,
    'before login: ApiError NO_SESSION (status 401): GET /users/1: log in first',
    /^login: ada, token [0-9a-f]{8}…, loggedIn true$/,
    'user(2): Alan Turing; again: Alan Turing; HTTP requests so far: 3 (the second came from the cache)',
    'users(): 7 users over pages 1, 2, 3: Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov, Donald Knuth, Margaret Hamilton',
    'users({ pageSize: 2 }) with a break: ids 1, 2, 3, 4',
    '  pages 1 and 2 fetched: true; page 4 fetched: false',
    'released: session closed on the server',
    'sdk-client example finished',
  ];
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, expected.length, stdout);
  expected.forEach((want, i) => (typeof want === 'string' ? assert.equal(lines[i], want) : assert.match(lines[i], want)));
  assert.equal(stderr, '');
});

test('examples/demo: the ESM and CommonJS callers both finish', { timeout: 90_000 }, () => {
  const { stdout } = runExample('demo');
  for (const line of [
    /client\.fetchUser\(1\)\s+\{"id":1,"name":"Ada Lovelace"/,
    /client\.fetchUser\(2\)\s+\{"id":2,"name":"Alan Turing"/,
    /code \/ status\s+USER_NOT_FOUND \/ 404/,
    /\[caller\] before countdown\(3\)\n\s+\[worker\] 3\.\.\.\n\s+\[worker\] 2\.\.\.\n\s+\[worker\] 1\.\.\.\n\s+\[caller\] after: liftoff/,
    /\ndemo finished\n$/,
  ])
    assert.match(stdout, line);
});
