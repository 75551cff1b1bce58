/** release(): free a worker object now, rather than when its proxy is garbage-collected. */
import { ErrorCodes, libraryError } from './errors.js';
import { releaseRemote } from './remote/proxies.js';
import type { Remote } from './types.js';

/**
 * Frees the worker's object behind a proxy (what `syncify` returned for a class instance, a function or an
 * async iterable). Later uses of the proxy throw ERR_SYNCBRIDGE_RELEASED. Releasing twice is harmless.
 * `proxy[Symbol.dispose]()` (and so `using`) also runs the object's own Symbol.asyncDispose or
 * Symbol.dispose first, if it has one.
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
