// Compile-time proof of the public types: `tsc -p test/types` must pass. Each @ts-expect-error line must
// be an error, so a wrong type (too loose as well as too strict) fails the build.
import { syncify, runSync, transfer, SyncBridgeError, ErrorCodes, type Syncified, type ErrorCode } from 'syncbridge';
import type { User } from './client.js';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

const client = syncify<typeof import('./client.js')>(new URL('./client.js', import.meta.url), { timeout: 5_000 });

expectType<Equal<typeof client.fetchUser, (id: number) => User>>();
expectType<Equal<typeof client.search, (query: string, options?: { limit?: number }) => User[]>>();
expectType<Equal<typeof client.parse, (text: string) => number>>();
expectType<Equal<typeof client.nothing, () => void>>();
expectType<Equal<Syncified<{ f(): Promise<string> }>, { readonly f: () => string }>>();

const user: User = client.fetchUser(1);
void user;
// @ts-expect-error the argument must be a number
client.fetchUser('1');
// @ts-expect-error a non-function export is not callable
client.version();
// @ts-expect-error a syncified module is never thenable
void client.then;
// @ts-expect-error the result is not a Promise
void client.fetchUser(1).then;

// Overloads survive: each overload of an export is mapped on its own (issue 10).
const fsp = syncify<typeof import('node:fs/promises')>('node:fs/promises');
const asText = fsp.readFile('/etc/hostname', 'utf8');
const asBytes = fsp.readFile('/etc/hostname');
const asEither = fsp.readFile('/etc/hostname', { encoding: null, flag: 'r' });
expectType<Equal<typeof asText, string>>();
expectType<Equal<typeof asBytes, NonSharedBuffer>>();
expectType<Equal<typeof asEither, NonSharedBuffer>>();
const bytesRead: Buffer = asBytes;
// @ts-expect-error without an encoding, readFile gives bytes, not text
const notText: string = fsp.readFile('/etc/hostname');
void bytesRead;
void notText;

// A class export is constructible and builds a synchronous proxy, freed by `using` (Symbol.dispose).
const sdk = syncify<typeof import('./sdk.js')>(new URL('./sdk.js', import.meta.url));
{
  using sdkClient = new sdk.Client({ apiKey: 'k' });
  const reply: string = sdkClient.chat.completions.create({ prompt: 'hi' }).text;
  for (const chunk of sdkClient.chat.completions.create({ prompt: 'hi', stream: true })) {
    const delta: string = chunk.delta;
    void delta;
  }
  void reply;
  // @ts-expect-error create() returns the completion itself, not a Promise
  void sdkClient.chat.completions.create({ prompt: 'hi' }).then;
}

const sum: number = runSync(async (a: number, b: number) => a + b, 1, 2);
const text: string = runSync(() => 'plain');
void sum;
void text;
// @ts-expect-error arguments are checked against the function's parameters
runSync(async (a: number) => a, 'one');
// @ts-expect-error too few arguments
runSync(async (a: number, b: number) => a + b, 1);

const timed = runSync.with({ timeout: 100 });
const n: number = timed(async () => 1);
void n;
// @ts-expect-error options are typed
syncify('x', { timeout: '5s' });

const code: ErrorCode = ErrorCodes.TIMEOUT;
try {
  client.nothing();
} catch (error) {
  if (error instanceof SyncBridgeError) {
    const c: ErrorCode = error.code;
    void c;
  }
}
void code;

const bytes = new Uint8Array(8);
const moved: Uint8Array = transfer(bytes, [bytes.buffer]);
void moved;
