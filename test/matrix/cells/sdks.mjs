// Real SDKs from npm, used synchronously through syncbridge's remote-object proxies (syncify of the package
// name, `new` on its exported class or a factory, methods on nested properties, async iterables as for…of),
// on every runtime, against the packed tarball. The fixture (test/matrix/fixtures/sdks) pins exact
// versions; each script prints one line per fact and the cell compares them. Servers the SDKs talk to run
// in a process of their own (a sync call blocks its caller's thread), started and stopped by the cell.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { lines, mismatch, RUNTIMES, scriptCommand } from './runtimes.mjs';

/** Starts a fixture server on Node (this process's), resolves { url, stop } once it prints `PORT <n>`. */
function startServer(dir, script) {
  const child = spawn(process.execPath, [join(dir, script)], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not print its port within 10 s: ${stderr}`));
    }, 10_000);
    child.on('exit', (code) => reject(new Error(`${script} exited (code ${code}) before printing its port: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${match[1]}`, stop: () => child.kill('SIGKILL') });
    });
  });
}

const SDKS = [
  {
    name: 'openai 6.49 (`new OpenAI({ baseURL })` → a fake API): create(), stream: true as for…of, break aborts the stream, pages, a 401',
    script: 'openai.mjs',
    server: 'fake-openai.mjs',
    env: (server) => ({ OPENAI_BASE_URL: `${server.url}/v1` }),
    stdout: [
      'client: [remote OpenAI #n]',
      'create: chat.completion echo: hello there (usage 6)',
      'stream: 6 chunks: echo: one two three',
      'stream break: 2 chunks read; server: 2 started, 1 completed, 1 aborted',
      'models: gpt-test-mini, gpt-test; iterated: gpt-test-mini, gpt-test',
      'files page 1: file-1, file-2; has_more true; hasNextPage() true',
      'files, every page: file-1, file-2, file-3, file-4, file-5',
      'getNextPage(): file-3, file-4',
      '401: AuthenticationError status 401 code invalid_api_key: 401 Incorrect API key provided',
      'openai ok',
    ],
  },
  {
    name: 'keyv 5.6 (`new Keyv()`): set/get/has/delete, namespace + TTL, getMany, iterator() as for…of, clear',
    script: 'keyv.mjs',
    stdout: [
      'keyv: [remote Keyv #n]',
      'set: true',
      'get: Ada math 1970-01-01T00:00:00.000Z',
      'has: true false; missing: undefined',
      'delete: true then get: undefined',
      'ttl before: a=1 b=2',
      'ttl after: a=undefined b=2',
      'getMany: [1,3,null]',
      'iterator: x=1 y=2 z=3',
      'clear: x=undefined',
      'keyv ok',
    ],
  },
  {
    name: "@libsql/client 0.18 (`createClient({ url: 'file:…' })`): execute, batch, a result set, a transaction, LibsqlError",
    script: 'libsql.mjs',
    env: () => ({ LIBSQL_DB_DIR: mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'syncbridge-libsql-')) }),
    stdout: [
      'client: [remote Sqlite3Client #n]',
      'insert: rowsAffected 1, lastInsertRowid 1 (bigint)',
      'batch: 3 results; count 3',
      'select: columns id,name,score; 2 rows: 1:Ada:9.5 3:Grace:9',
      'toJSON: [3,"Grace",9]',
      "transaction rolled back: Alan's score 8",
      'error: LibsqlError SQLITE_ERROR: SQLITE_ERROR: no such table: nope',
      'closed: true',
      'libsql ok',
    ],
  },
];

function sdkCell(sdk, runtime) {
  return {
    group: 'SDKs from npm, through proxies',
    name: sdk.name,
    column: runtime,
    async run(ctx) {
      const dir = ctx.installedFixture('sdks');
      const server = sdk.server ? await startServer(dir, sdk.server) : undefined;
      try {
        const [command, args] = scriptCommand(ctx, runtime, sdk.script);
        const env = { ...process.env, NO_COLOR: '1', ...sdk.env?.(server) };
        const result = ctx.run(command, args, { cwd: dir, env, timeout: 60_000 });
        if (result.status !== 0) return { status: 'fail', detail: result.summary() };
        const wrong = mismatch(lines(result.stdout), sdk.stdout);
        return wrong ? { status: 'fail', detail: `${wrong} (stderr: ${result.stderr.trim().slice(0, 400)})` } : { status: 'pass' };
      } finally {
        server?.stop();
      }
    },
  };
}

export const cells = SDKS.flatMap((sdk) => RUNTIMES.map((runtime) => sdkCell(sdk, runtime)));
