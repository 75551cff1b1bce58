import type { LibraryFailure } from '../wire/protocol.js';
import { encodeThrown } from '../wire/error-serialization.js';

/** Thrown inside the worker to fail a call on the library's behalf: the caller raises a SyncBridgeError. */
export class Failure extends Error {
  readonly failure: LibraryFailure;
  constructor(code: string, message: string, cause?: unknown) {
    super(message);
    this.failure = cause === undefined ? { code, message } : { code, message, cause: encodeThrown(cause) };
  }
}
