// `npm run demo`: starts the API server, then runs the ESM and CommonJS callers against it.
// Every part is its own process; the whole run is bounded to ~30 s.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const deadline = Date.now() + 30_000;

// The server must not share a thread with the callers: each sync call blocks its thread until the
// answer arrives, and a server on that thread could never send it. A child process is simplest.
const server = spawn(process.execPath, [here('server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });

function readPort(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not report its port within 5 s')), 5000);
    child.on('exit', (code) => reject(new Error(`the server exited (code ${code}) before reporting its port`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
  });
}

let failed = false;
try {
  const api = `http://127.0.0.1:${await readPort(server)}`;
  console.log(`API server (child process ${server.pid}) listening on ${api}`);
  // The callers' syncbridge workers inherit this environment, so client.mjs finds the server too.
  const env = { ...process.env, DEMO_API: api };

  for (const file of ['esm-caller.mjs', 'cjs-caller.cjs']) {
    if (Date.now() >= deadline) throw new Error(`no time left for ${file} (30 s limit)`);
    console.log(`\n── ${file} ${'─'.repeat(50 - file.length)}`);
    const { status, signal, error } = spawnSync(process.execPath, [here(file)], {
      stdio: 'inherit',
      env,
      timeout: Math.max(1, deadline - Date.now()),
      killSignal: 'SIGKILL',
    });
    if (status !== 0) {
      failed = true;
      const why = error?.code === 'ETIMEDOUT' ? 'still running at the 30 s limit' : (error?.message ?? signal ?? `exit code ${status}`);
      console.error(`\ndemo: ${file} failed: ${why}`);
    }
  }
} catch (err) {
  failed = true;
  console.error(`demo: ${err.message}`);
} finally {
  server.kill();
}
console.log(failed ? '\ndemo failed' : '\ndemo finished');
process.exitCode = failed ? 1 : 0;
