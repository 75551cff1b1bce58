/** release(): free a worker object now, rather than when its proxy is garbage-collected. */
import { ErrorCodes, libraryError } from '../errors.js';
import { releaseRemote } from '../remote/proxies.js';
import type { Remote } from './types.js';

/**
 * Frees the worker's object behind a proxy (what `syncify` returned for a class instance, a function or an
 * async iterable), after running its own Symbol.asyncDispose or Symbol.dispose there if it has one: the same
 * as `proxy[Symbol.dispose]()` and `using`. Later uses of the proxy throw ERR_SYNCBRIDGE_RELEASED.
 * Releasing twice is harmless.
 */
export function release(proxy: Remote<unknown>): void {
  if (!releaseRemote(proxy, release)) {
    throw libraryError(
      ErrorCodes.INVALID_ARG,
      `release() needs a proxy of a worker object (a class instance, function or iterable returned through syncify); got ${proxy === null ? 'null' : typeof proxy === 'object' || typeof proxy === 'function' ? 'an object that is not one' : typeof proxy}.`,
      { entry: release },
    );
  }
}
