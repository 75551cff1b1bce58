/**
 * What stands in a message for a value that does not cross by copy: a reference to an object that stays
 * on the other side, or a URL rebuilt on arrival. Markers are plain objects under one odd key, so they
 * ride through JSON and v8 serialization like any data; a message says when it holds any (REFS_FLAG), and
 * only then does the receiver walk it to revive them. Both sides import this file.
 */

/** The one key of a marker; NUL first, so that no JSON-shaped user data plausibly has it. */
export const MARK = '\u0000syncbridge';

/** How a referenced object can be iterated from the other side. */
export const Iteration = { NONE: 0, SYNC: 1, ASYNC: 2 } as const;
export type Iteration = (typeof Iteration)[keyof typeof Iteration];

/** An object that stays in the worker, as the caller first learns of it. */
export interface RefMarker {
  [MARK]: 'ref';
  /** Its handle: the same object always has the same id while the caller holds it. */
  id: number;
  /** 'function' (callable, maybe constructible) or 'object'. */
  type: 'function' | 'object';
  /** Its class (or the function's) name, for messages and util.inspect. */
  name: string;
  /** Methods found on its prototype chain: reading one costs no round trip. */
  methods: string[];
  iteration: Iteration;
}

/** A proxy sent back to the worker: the real object there again. */
export interface HandleMarker {
  [MARK]: 'handle';
  id: number;
}

export interface UrlMarker {
  [MARK]: 'url';
  href: string;
}

export interface SearchParamsMarker {
  [MARK]: 'params';
  search: string;
}

/** A function of the caller's, passed to the worker: calling it there calls back into the caller. */
export interface CallbackMarker {
  [MARK]: 'callback';
  id: number;
  name: string;
}

export type Marker = RefMarker | HandleMarker | UrlMarker | SearchParamsMarker | CallbackMarker;

export function isMarker(value: unknown): value is Marker {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, MARK);
}

/** URL and URLSearchParams cross by value, both ways: their own markers, or undefined for other values. */
export function valueMarkerOf(value: object): UrlMarker | SearchParamsMarker | undefined {
  if (value instanceof URL) return { [MARK]: 'url', href: value.href };
  if (value instanceof URLSearchParams) return { [MARK]: 'params', search: value.toString() };
  return undefined;
}
