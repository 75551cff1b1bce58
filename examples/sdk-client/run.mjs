// `node examples/sdk-client/run.mjs`: an async SDK class used from plain synchronous code. Starts the API
// server in a child process, logs in, reads through the cache, pages through users (all of them, then
// with a break), ends the session, stops the server. Exits non-zero if anything goes wrong.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { release } from 'syncbridge';
import { Client } from './sync.mjs';

// The server must not share this thread: each sync call below blocks it until the answer arrives.
const server = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the server did not report its port within 5 s')), 5000);
  server.on('exit', (code) => reject(new Error(`the server exited (code ${code}) before reporting its port`)));
  createInterface({ input: server.stdout }).on('line', (line) => {
    const match = /^PORT (\d+)$/.exec(line);
    if (match) resolve(Number(match[1]), clearTimeout(timer));
  });
});
const baseURL = `http://127.0.0.1:${port}`;
console.log(`server (child process ${server.pid}) on ${baseURL}`);

try {
  // From here on, no await: every line is synchronous.
  const client = new Client({ baseURL }); // built in the worker; a synchronous proxy here
  console.log(`client: ${client}`);

  try {
    client.user(1);
  } catch (error) {
    console.log(`before login: ${error.name} ${error.code} (status ${error.status}): ${error.message}`);
  }

  const session = client.login('ada', 'secret');
  console.log(`login: ${session.user}, token ${session.token}, loggedIn ${client.loggedIn}`);

  const first = client.user(2);
  const again = client.user(2);
  console.log(`user(2): ${first.name}; again: ${again.name}; HTTP requests so far: ${client.requests} (the second came from the cache)`);

  const names = [];
  for (const user of client.users()) names.push(user.name);
  console.log(`users(): ${names.length} users over pages ${client.pagesFetched.join(', ')}: ${names.join(', ')}`);

  const pagesBefore = client.pagesFetched.length;
  const firstFour = [];
  for (const user of client.users({ pageSize: 2 })) {
    firstFour.push(user.id);
    if (firstFour.length === 4) break; // runs the generator's return() in the worker
  }
  console.log(`users({ pageSize: 2 }) with a break: ids ${firstFour.join(', ')}`);
  // syncbridge asks for one item ahead while it hands over a batch, so page 3 may have been requested;
  // page 4 never is: the break ran return() and the pager's loop ended.
  const pagesAfter = client.pagesFetched.slice(pagesBefore);
  console.log(`  pages 1 and 2 fetched: ${pagesAfter.includes(1) && pagesAfter.includes(2)}; page 4 fetched: ${pagesAfter.includes(4)}`);

  release(client); // runs the client's Symbol.asyncDispose in the worker: logs out
  console.log('released: session closed on the server');
} finally {
  server.kill();
}
console.log('sdk-client example finished');
