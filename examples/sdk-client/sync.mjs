// The SDK's synchronous face: the class is constructed in syncbridge's worker, and what it returns
// (the client, its async iterators) comes back as synchronous proxies.
import { syncify } from 'syncbridge';

export const { Client } = syncify(new URL('./sdk.mjs', import.meta.url), { timeout: 10_000 });
