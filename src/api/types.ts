/**
 * The types of the public API.
 *
 * The rules, as the types apply them to every value that comes back from the worker (a call's awaited
 * result, a property read, an iterated item):
 *
 * - **Copied** (structured-clonable data): primitives, `Date`, `RegExp`, `Error`, `ArrayBuffer`, typed
 *   arrays and `Buffer`, `DataView`, `Map`, `Set`, `URL`, `URLSearchParams`, `Blob`, and arrays and plain
 *   objects of those. Their type is kept exactly as it is (`User` stays `User`).
 * - **By reference** (a proxy, typed {@link Remote}): an object type with at least one method (a class
 *   instance, an SDK resource, a stream, an async iterator), and a function or class (typed as its
 *   synchronous form with its methods, and releasable).
 * - **Mixed**: an array or plain object that holds a by-reference value somewhere inside (looked for
 *   six levels deep, see DepthCounter; deeper ones read as data) is mapped member by member: the data
 *   stays as it is, the by-reference members become `Remote`. `{ total: number; stream: Stream<Chunk> }`
 *   reads as `{ total: number; stream: Remote<Stream<Chunk>> }`.
 *
 * Types cannot see prototypes: a class instance without methods reads like the plain data it holds, and a
 * plain object with a function-valued property is typed by reference.
 */

declare const notCallable: unique symbol;
declare const remote: unique symbol;

/** What a non-function export becomes: not callable, and the type says why. */
export interface NotCallable<Name extends string> {
  readonly [notCallable]: `export "${Name}" is not a function: syncify makes only functions callable`;
}

/**
 * The synchronous face of a module. Every function export `(...a) => Promise<R> | R` becomes
 * `(...a) => R`, each overload mapped on its own (see {@link Sync} for the limits); R is what
 * {@link Remote} says a returned value is (data as it is, objects with methods as `Remote`). An exported
 * class becomes a class whose `new` builds the instance in the worker and returns a `Remote` of it; its
 * static methods are synchronous too, as are the methods of a callable export (`axios.get`); their properties that
 * are not methods are left out. Other exports are typed as not callable. `then` is left out on
 * purpose, so that a syncified module is never mistaken for a promise.
 */
export type Syncified<T> = {
  readonly [K in keyof T as K extends 'then' ? never : K]: Export<T[K], K & string>;
};

/**
 * A proxy of an object that lives in the worker. Every method is synchronous, each overload mapped on its
 * own (`create(params: { stream: true })` and `create(params: { stream?: false })` keep their own results);
 * a property read gives the property's current value, awaited when it is a promise; what comes back follows
 * the rules at the top of this file, so nested objects with methods are `Remote` too
 * (`client.chat.completions.create(...)`). An iterable, async or not, is iterable with `for…of` and yields
 * the same items; an async generator becomes a `Generator` of the same types (its `next`, `return` and
 * `throw` synchronous). Other symbol-keyed members are left out (a symbol does not cross threads), and so is `then`:
 * a proxy is never thenable. `release(proxy)` or `proxy[Symbol.dispose]()` frees the object in the worker,
 * so `using db = new Db()` works. `Remote<unknown>` is any proxy, functions that came back included.
 */
export type Remote<T> = [T] extends [AsyncGenerator<infer Y, infer R, infer N> | Generator<infer Y, infer R, infer N>]
  ? Generator<Returned<Y>, Returned<R>, N> & RemoteHandle
  : RemoteMembers<T> & Iteration<T> & RemoteHandle;

/**
 * The synchronous form of a function or class: every call signature `(...a) => Promise<R> | R` becomes
 * `(...a) => R` and every construct signature `new (...a) => I` becomes `new (...a) => Remote<I>`.
 *
 * Limits: overloads are read by matching against ten signatures, so of a function with more overloads only
 * the last ten are kept. A generic signature loses its type parameters, which become their constraints
 * (`<T>(x: T) => Promise<T>` reads as `(x: unknown) => unknown`, `<K extends keyof E>(k: K) => E[K]` as
 * `(k: keyof E) => E[keyof E]`). Parameters are not mapped: arguments cross by copy.
 */
export type Sync<F> = IsAny<F> extends true ? (...args: any[]) => any : Overloads<CallSignatures<F>, ConstructSignatures<F>>;

/** What every proxy has: a way to free it, and a brand that tells a proxy from the object it stands for. */
interface RemoteHandle {
  /** Frees the object in the worker, as `release(proxy)` does. */
  [Symbol.dispose](): void;
  readonly [remote]: true;
}

type RemoteMembers<T> = {
  readonly [K in keyof T as K extends 'then' | symbol ? never : K]: Member<T[K]>;
};

/** A method is synchronous; any other property reads as its awaited value. */
type Member<V> = IsAny<V> extends true ? any : V extends (...args: any) => any ? Sync<V> : Returned<Awaited<V>>;

/** An iterable's items (async or not), iterated synchronously. */
type Iteration<T> = T extends { [Symbol.asyncIterator](): infer I } ? Iterating<I> : T extends { [Symbol.iterator](): infer I } ? Iterating<I> : unknown;

type Iterating<I> =
  I extends AsyncGenerator<infer Y, infer R, infer N>
    ? { [Symbol.iterator](): Generator<Returned<Y>, Returned<R>, N> }
    : I extends Generator<infer Y, infer R, infer N>
      ? { [Symbol.iterator](): Generator<Returned<Y>, Returned<R>, N> }
      : I extends AsyncIterator<infer Y, infer R, infer N>
        ? { [Symbol.iterator](): Iterator<Returned<Y>, Returned<R>, N> }
        : I extends Iterator<infer Y, infer R, infer N>
          ? { [Symbol.iterator](): Iterator<Returned<Y>, Returned<R>, N> }
          : unknown;

/** An export typed `any` (untyped syncify, a JavaScript caller): callable, constructible, with any member. */
type AnyExport = { (...args: any[]): any; new (...args: any[]): any; readonly [member: string]: any };

type Export<V, Name extends string> =
  IsAny<V> extends true
    ? AnyExport
    : [V] extends [abstract new (...args: any) => any]
      ? [V] extends [new (...args: any) => any]
        ? WithMethods<V, Sync<V>>
        : NotCallable<Name>
      : [V] extends [(...args: any) => any]
        ? WithMethods<V, Sync<V>>
        : NotCallable<Name>;

/** A function or class with its methods (a class's static methods, a callable object's methods), synchronous. */
type WithMethods<F, Signatures> = [MethodKeys<F>] extends [never] ? Signatures : Signatures & { readonly [K in MethodKeys<F>]: Sync<F[K]> };

type MethodKeys<F> = { [K in keyof F]-?: K extends 'prototype' | 'then' | symbol ? never : F[K] extends (...args: any) => any ? K : never }[keyof F];

/** What a value that comes back from the worker is, on the calling side (the rules at the top). */
type Returned<X> =
  IsAny<X> extends true
    ? X
    : X extends Copied
      ? X
      : X extends readonly unknown[]
        ? true extends HoldsReference<X, DepthCounter>
          ? { [I in keyof X]: Returned<X[I]> }
          : X
        : X extends Callable
          ? WithMethods<X, Sync<X>> & RemoteHandle
          : X extends object
            ? true extends HasMethod<X>
              ? Remote<X>
              : true extends HoldsReference<X, DepthCounter>
                ? { [K in keyof X]: Returned<X[K]> }
                : X
            : X;

type Callable = ((...args: any) => any) | (abstract new (...args: any) => any);
type IsAny<X> = 0 extends 1 & X ? true : false;
/** How deep inside returned data a by-reference value is looked for: one element a level. */
type DepthCounter = [0, 0, 0, 0, 0, 0];

/** True (or boolean, for a union) when some member of X is a function. */
type HasMethod<X> = { [K in keyof X]-?: IsAny<X[K]> extends true ? false : X[K] extends Callable ? true : false }[keyof X];

/** True (or boolean) when X is, or holds within Depth levels, a value that crosses by reference. */
type HoldsReference<X, Depth extends unknown[]> =
  IsAny<X> extends true
    ? false
    : X extends Copied
      ? false
      : X extends Callable
        ? true
        : X extends object
          ? Depth extends [unknown, ...infer Deeper]
            ? X extends readonly unknown[]
              ? HoldsReference<X[number], Deeper>
              : true extends HasMethod<X>
                ? true
                : true extends { [K in keyof X]-?: HoldsReference<X[K], Deeper> }[keyof X]
                  ? true
                  : false
            : false
          : false;

/** The instance type of a global class, or never where the environment's types do not declare it. */
type GlobalInstance<Name extends string> = typeof globalThis extends { [K in Name]: { prototype: infer P } } ? P : never;

/** Structured-clonable values that are not plain objects: they cross by copy and keep their type. */
type Copied =
  | string
  | number
  | bigint
  | boolean
  | symbol
  | null
  | undefined
  | void
  | Date
  | RegExp
  | Error
  | ArrayBuffer
  | SharedArrayBuffer
  | ArrayBufferView
  | ReadonlyMap<any, any>
  | ReadonlySet<any>
  | GlobalInstance<'URL'>
  | GlobalInstance<'URLSearchParams'>
  | GlobalInstance<'Blob'>;

type Overloads<Calls extends Signature[], Constructs extends Signature[]> = Intersect<
  [
    ...{ [I in keyof Calls]: (...args: Calls[I][0]) => Returned<Awaited<Calls[I][1]>> },
    ...{ [I in keyof Constructs]: new (...args: Constructs[I][0]) => Remote<Constructs[I][1]> },
  ]
>;

type Signature = [args: any[], result: unknown];

type Intersect<L extends unknown[]> = L extends [infer Only] ? Only : L extends [infer First, ...infer Rest] ? First & Intersect<Rest> : unknown;

/**
 * The call signatures of F, in order. Matching F against ten signatures infers each from one of F's: with
 * fewer overloads the first one fills the leading places (so they are dropped as repeats), with more only the
 * last ten are seen.
 */
type CallSignatures<F> = F extends {
  (...args: infer A1): infer R1;
  (...args: infer A2): infer R2;
  (...args: infer A3): infer R3;
  (...args: infer A4): infer R4;
  (...args: infer A5): infer R5;
  (...args: infer A6): infer R6;
  (...args: infer A7): infer R7;
  (...args: infer A8): infer R8;
  (...args: infer A9): infer R9;
  (...args: infer A10): infer R10;
}
  ? Distinct<[[A1, R1], [A2, R2], [A3, R3], [A4, R4], [A5, R5], [A6, R6], [A7, R7], [A8, R8], [A9, R9], [A10, R10]]>
  : [];

type ConstructSignatures<F> = F extends {
  new (...args: infer A1): infer R1;
  new (...args: infer A2): infer R2;
  new (...args: infer A3): infer R3;
  new (...args: infer A4): infer R4;
  new (...args: infer A5): infer R5;
  new (...args: infer A6): infer R6;
  new (...args: infer A7): infer R7;
  new (...args: infer A8): infer R8;
  new (...args: infer A9): infer R9;
  new (...args: infer A10): infer R10;
}
  ? Distinct<[[A1, R1], [A2, R2], [A3, R3], [A4, R4], [A5, R5], [A6, R6], [A7, R7], [A8, R8], [A9, R9], [A10, R10]]>
  : [];

/** Drops each signature that repeats the next one. */
type Distinct<L extends unknown[]> = L extends [infer First, infer Next, ...infer Rest]
  ? Same<First, Next> extends true
    ? Distinct<[Next, ...Rest]>
    : [AsSignature<First>, ...Distinct<[Next, ...Rest]>]
  : { [I in keyof L]: AsSignature<L[I]> };

type AsSignature<S> = S extends [infer A extends any[], infer R] ? [A, R] : never;

type Same<X, Y> = (<G>() => G extends X ? 1 : 2) extends <G>() => G extends Y ? 1 : 2 ? true : false;
