// The declarations in a project with Node's types and no DOM library (and no esnext.disposable): the
// structured-clonable classes that only @types/node declares (URL, URLSearchParams, Blob) still read as
// data, and `using` works through the Symbol.dispose that @types/node declares.
import { syncify } from 'syncbridge';
import type { Remote } from 'syncbridge';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

type Api = Remote<{ url(): Promise<URL>; query(): URLSearchParams; blob(): Promise<Blob>; close(): Promise<void> }>;
expectType<Equal<ReturnType<Api['url']>, URL>>();
expectType<Equal<ReturnType<Api['query']>, URLSearchParams>>();
expectType<Equal<ReturnType<Api['blob']>, Blob>>();

const fsp = syncify<typeof import('node:fs/promises')>('node:fs/promises');
const text = fsp.readFile('/etc/hostname', 'utf8');
expectType<Equal<typeof text, string>>();
{
  using handle = fsp.open('/etc/hostname');
  const content: string = handle.readFile('utf8');
  // @ts-expect-error a file handle's methods are synchronous
  void handle.readFile('utf8').then;
  void content;
}
