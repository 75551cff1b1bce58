// A small API for the SDK example: a login that hands out a session token, and users, paginated, for
// requests that carry it. run.mjs starts it in a child process on purpose: a sync call blocks its whole
// thread until the answer arrives, so a server on the caller's thread could never answer.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

const USERS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Margaret Hamilton'].map((name, i) => ({
  id: i + 1,
  name,
}));
const sessions = new Set();

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/login') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { user, password } = JSON.parse(body || '{}');
    if (password !== 'secret') return send(res, 401, { error: 'BAD_LOGIN', message: `wrong password for ${user}` });
    const token = randomUUID();
    sessions.add(token);
    return send(res, 200, { token });
  }
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  if (!sessions.has(token)) return send(res, 401, { error: 'NO_SESSION', message: 'log in first' });
  if (req.method === 'POST' && url.pathname === '/logout') {
    sessions.delete(token);
    return send(res, 200, { ok: true });
  }
  if (req.method === 'GET' && url.pathname === '/users') {
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('size') ?? 3);
    const users = USERS.slice((page - 1) * size, page * size);
    return send(res, 200, { page, users, next: page * size < USERS.length ? page + 1 : null });
  }
  const match = /^\/users\/(\d+)$/.exec(url.pathname);
  const user = match && USERS.find((u) => u.id === Number(match[1]));
  if (req.method === 'GET' && user) return send(res, 200, user);
  send(res, 404, { error: 'NOT_FOUND', message: `no route or user for ${req.method} ${url.pathname}` });
});

// Port 0: the OS picks a free port. The parent reads this one line.
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
// Exit when the parent goes away (its end of our stdin closes): no orphan server.
process.stdin.on('end', () => process.exit(0)).resume();
