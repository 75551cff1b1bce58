// A tiny JSON API for the demo. run.mjs starts it in a child process on purpose: a sync call blocks
// its whole thread until the answer arrives, so a server living on the caller's thread could never
// answer its own requests, and every call would hang until its timeout.
import http from 'node:http';

const users = new Map([
  [1, { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' }],
  [2, { id: 2, name: 'Alan Turing', email: 'alan@example.com' }],
]);

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  const userPath = pathname.match(/^\/users\/(\d+)$/);

  if (req.method === 'GET' && userPath) {
    const user = users.get(Number(userPath[1]));
    if (user) return send(res, 200, user);
    return send(res, 404, { error: 'USER_NOT_FOUND', message: `no user with id ${userPath[1]}` });
  }
  if (req.method === 'POST' && pathname === '/echo') {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      return send(res, 201, { received: JSON.parse(body), length: body.length });
    } catch {
      return send(res, 400, { error: 'BAD_JSON', message: 'the body is not JSON' });
    }
  }
  send(res, 404, { error: 'NO_ROUTE', message: `no route for ${req.method} ${pathname}` });
});

// Port 0: the OS picks a free port, so parallel runs never collide. The parent reads this one line.
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));

// Exit when the parent goes away (its end of our stdin closes), so no orphan server is left behind.
process.stdin.on('end', () => process.exit(0)).resume();
