/**
 * Stack traces: which file a frame is in, and which frames are the caller's. Imports nothing.
 *
 * The library is one file at run time (the bundle in the calling thread, "[worker eval]" or the like in the
 * worker), so "this library's own frames" are the frames in the file this module runs from.
 */

/** The file a stack line ("    at f (file:///a/b.js:1:2)" or "    at /a/b.js:1:2") points into. */
export const fileOfFrame = (line: string | undefined) => (line === undefined ? undefined : /\(?([^\s()]+?):\d+:\d+\)?$/.exec(line.trim())?.[1]);

/**
 * The file this very code runs from, as stacks show it: the library's bundle in the calling thread; in the
 * worker, "[worker eval]" on Node, a blob: URL on Bun, an internal name on Deno.
 */
export const OWN_FILE = fileOfFrame(new Error().stack?.split('\n').find((line) => line.trimStart().startsWith('at ')));

/**
 * Bun (JavaScriptCore) has proper tail calls: a `return f()` in the library can drop the entry function's
 * frame, and captureStackTrace(holder, entry) then yields no frames at all. The fallback: the whole stack
 * below the last frame in this library's own file (the library never calls back into the caller's code).
 */
export function framesBelowLibrary(): string {
  const holder: { stack?: string } = {};
  // Room for the library's own frames on top of the caller's usual share.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = (typeof limit === 'number' ? limit : 10) + 30;
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  const frames = (holder.stack ?? '').split('\n').slice(1);
  let last = -1;
  if (OWN_FILE !== undefined) frames.forEach((frame, i) => fileOfFrame(frame) === OWN_FILE && (last = i));
  return withoutProxyFrames(frames.slice(last + 1)).join('\n');
}

/** The public function the user called: a stack shown to the user starts at the call of it. */
export type Entry = (...args: never[]) => unknown;

/** The caller's frames below its call of `entry`, as stack lines (the Bun fallback when there are none). */
export function callerFrames(entry: Entry): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, entry);
  const frames = withoutProxyFrames((holder.stack ?? '').split('\n').slice(1));
  return frames.length > 0 ? frames.join('\n') : framesBelowLibrary();
}

/**
 * Bun (JavaScriptCore) shows the Proxy an entry function is called through (a syncified export with static
 * methods) as a frame "at unknown" above the caller's: not the caller's code.
 */
export function withoutProxyFrames(frames: string[]): string[] {
  let first = 0;
  while (first < frames.length && frames[first]!.trim() === 'at unknown') first++;
  return first === 0 ? frames : frames.slice(first);
}
