// An ordinary async SDK: it knows nothing about syncbridge. A session token from login() goes on every
// later request, user() answers from a cache after the first fetch, users() pages through the list.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export class Client {
  #token;
  #cache = new Map();
  /** How many HTTP requests this client has sent (the cache and the pager show in it). */
  requests = 0;
  /** The pages users() has fetched, in order. */
  pagesFetched = [];

  constructor({ baseURL }) {
    if (!baseURL) throw new TypeError('baseURL is required');
    this.baseURL = new URL(baseURL);
  }

  async #request(method, path, body) {
    this.requests++;
    const headers = { 'content-type': 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const res = await fetch(new URL(path, this.baseURL), { method, headers, body: body && JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new ApiError(res.status, json.error, `${method} ${path}: ${json.message}`);
    return json;
  }

  get loggedIn() {
    return this.#token !== undefined;
  }

  async login(user, password) {
    const { token } = await this.#request('POST', '/login', { user, password });
    this.#token = token;
    return { user, token: `${token.slice(0, 8)}…` };
  }

  async user(id) {
    if (!this.#cache.has(id)) this.#cache.set(id, await this.#request('GET', `/users/${id}`));
    return this.#cache.get(id);
  }

  /** Every user, fetching page after page as the consumer asks for more. */
  async *users({ pageSize = 3 } = {}) {
    for (let page = 1; page; ) {
      const body = await this.#request('GET', `/users?page=${page}&size=${pageSize}`);
      this.pagesFetched.push(page);
      for (const user of body.users) {
        this.#cache.set(user.id, user);
        yield user;
      }
      page = body.next;
    }
  }

  /** release(client) (or `using`) runs this: the session ends on the server. */
  async [Symbol.asyncDispose]() {
    if (!this.#token) return;
    await this.#request('POST', '/logout');
    this.#token = undefined;
  }
}
