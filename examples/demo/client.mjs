// A plain async module: it knows nothing about syncbridge. The callers load it into syncbridge's
// worker thread, which inherits process.env, so the DEMO_API set by run.mjs is visible here too.

export class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

async function request(path, init) {
  const base = process.env.DEMO_API;
  if (!base) throw new Error('DEMO_API is not set; start the demo with `node examples/demo/run.mjs`');
  const res = await fetch(base + path, init);
  const body = await res.json();
  if (!res.ok) throw new HttpError(res.status, body.error, `${init?.method ?? 'GET'} ${path}: ${body.message}`);
  return body;
}

export async function fetchUser(id) {
  return request(`/users/${id}`);
}

export async function createNote(text) {
  return request('/echo', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
}

/** No I/O at all: timing it measures the bridge alone. */
export async function ping() {
  return 'pong';
}

/** Logs while it works, with real awaits in between, to show where that output lands. */
export async function countdown(n) {
  for (let i = n; i > 0; i--) {
    console.log(`    [worker] ${i}...`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return 'liftoff';
}
