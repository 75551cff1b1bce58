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

// sass reads as deprecated the default export that syncify reads (test/plugins-findings.test.mjs, a todo).
const SASS_DEFAULT_EXPORT_WARNING = "`import sass from 'sass'` is deprecated.\nPlease use `import * as sass from 'sass'` instead.\n";

test('examples/plugins: esbuild build() with a plugin and sass compileAsync with an importer, their hooks on the calling thread', { timeout: 180_000 }, () => {
  // The example's own dependencies (esbuild, sass, and syncbridge linked to this repository), as its README says.
  const install = spawnSync('npm', ['ci', '--prefix', 'examples/plugins', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(install.status, 0, `npm ci --prefix examples/plugins: ${install.error?.message ?? ''}\n${install.stderr}`);
  const { stdout, stderr } = runExample('plugins');
  const expected = [
    /^this script runs on thread 0; syncbridge's worker is thread [1-9]\d*$/,
    'compileStringAsync: a{color:#c0ffee}; loadedUrls: theme:colors',
    'compileAsync: .app{color:#c0ffee}; URLs are URLs: true',
    'importer hooks: canonicalize@0 load@0 canonicalize@0 load@0',
    'build: 0 errors; bundle inlines "hello from run.mjs": true, the compiled css: true',
    'plugin hooks: canonicalize@0 load@0 onLoad(scss)@0 onLoad@0 onResolve@0 settings.setup@0',
    'failing hook: Error: [plugin strict] no setting settings:missing',
    /^async hook: callback anonymous function: it returned a promise while the calling thread was blocked in a synchronous call, .* Make the callback synchronous/,
    'plugins example finished',
  ];
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, expected.length, stdout);
  expected.forEach((want, i) => (typeof want === 'string' ? assert.equal(lines[i], want) : assert.match(lines[i], want)));
  assert.equal(stderr.replace(SASS_DEFAULT_EXPORT_WARNING, ''), '');
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
