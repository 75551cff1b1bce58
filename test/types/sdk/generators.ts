// With the newest library (ESNext: iterator helpers, disposables), an async generator that crosses by
// reference is still a Generator, and an async iterable still iterates.
import type { Remote } from 'syncbridge';

declare const remote: Remote<{ rows(): AsyncGenerator<number, void, undefined>; lines(): Promise<AsyncIterable<string>> }>;

const rows: Generator<number, void, undefined> = remote.rows();
for (const row of rows) row.toFixed();
for (const line of remote.lines()) line.toUpperCase();
{
  using disposed = remote.rows();
  void disposed;
}
