/** The types of the public API. */

declare const notCallable: unique symbol;

/** What a non-function export becomes: not callable, and the type says why. */
export interface NotCallable<Name extends string> {
  readonly [notCallable]: `export "${Name}" is not a function: syncify makes only functions callable`;
}

/**
 * The synchronous face of a module: every function export `(...a) => Promise<R> | R` becomes
 * `(...a) => R`. `then` is left out on purpose, so that a syncified module is never mistaken for a promise.
 */
export type Syncified<T> = {
  readonly [K in keyof T as K extends 'then' ? never : K]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> : NotCallable<K & string>;
};
