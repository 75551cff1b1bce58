/**
 * A buffer made ready, while this side waits anyway, for the next big binary part it will receive.
 *
 * Copying a part out of a payload area (protocol.ts) needs fresh memory each time: the receiver owns what it
 * gets. Fresh memory costs a page fault at the first touch of each page (the kernel zeroes it), and on Linux
 * glibc hands freed megabytes back to the kernel, so each 1 MiB copy took 150–250 faults: measured here,
 * 200–500 µs per copy against 40–70 µs for the same copy into touched memory, the larger part of a 1 MiB echo.
 * When the parts a side receives repeat their size (an echo, a loop over same-sized chunks), it allocates the
 * next one's buffer before the message comes and touches its pages while it would otherwise only spin: the
 * caller while the worker works, the worker in the gap before the next request. The faults are the same, but
 * they overlap the other side's work instead of adding to the call. A guess that proves wrong costs one
 * unused buffer, dropped at once.
 */

/** Below this a part's faults (under 32 pages) cost less than the bookkeeping is worth. */
export const SPARE_MIN_BYTES = 128 * 1024;
/** How long a side that stopped receiving holds its spare (and a process's kept frame buffer). */
export const SPARE_IDLE_MS = 1000;
/** Above this no spare is made: it would hold that much memory, and touching it all blocks this thread long. */
export const SPARE_MAX_BYTES = 64 * 1024 * 1024;
/** Pages are touched in steps of this many bytes between looks at whether the message has come. */
const PREPARE_STEP_BYTES = 16 * 1024;
/** Where a look at whether the message has come is a system call (a socket read), it is made every this many steps. */
export const PROBE_EVERY_STEPS = 4;
/** Touching one byte per 4 KiB faults every page in (larger pages are touched more than once: harmless). */
const PAGE = 4096;

/** A Buffer that owns its whole ArrayBuffer, contents undefined (the caller overwrites them). */
export function freshBuffer(length: number): Buffer {
  // Uninitialized (it is overwritten at once) and its own ArrayBuffer: 71 µs for 1 MiB, against 106 µs zeroed first.
  const copy = Buffer.allocUnsafeSlow(length);
  // A runtime whose unpooled Buffer does not own its whole ArrayBuffer gets a zeroed one instead.
  return copy.byteOffset === 0 && copy.buffer.byteLength === length ? copy : Buffer.from(new ArrayBuffer(length));
}

export class SpareBuffer {
  /** The size of the largest part of the last message received (0: none, or too small). */
  #last = 0;
  /** The size to prepare for: the last two messages' largest parts had it (0: no repetition seen). */
  #expected = 0;
  #spare: Buffer | undefined;
  /** How many bytes of the spare have been touched. */
  #touched = 0;

  /** Whether prepare() has work to do. */
  get wanted(): boolean {
    return this.#expected > 0 && (this.#spare === undefined || this.#touched < this.#expected);
  }

  /** Whether a spare is held (its memory). */
  get held(): boolean {
    return this.#spare !== undefined;
  }

  /**
   * A buffer of `length` bytes that owns its whole ArrayBuffer, contents undefined (the caller overwrites it):
   * the spare if it is that size, else a fresh one.
   */
  take(length: number): Buffer {
    const spare = this.#spare;
    if (spare !== undefined && spare.length === length) {
      this.#spare = undefined;
      this.#touched = 0;
      return spare;
    }
    return freshBuffer(length);
  }

  /** Records the largest binary part of a message just received (0 if it had none), to guess the next one's size. */
  noteReceived(largestPart: number): void {
    const size = largestPart >= SPARE_MIN_BYTES && largestPart <= SPARE_MAX_BYTES ? largestPart : 0;
    this.#expected = size > 0 && size === this.#last ? size : 0;
    this.#last = size;
    // A spare of another size will not be taken: let it go now rather than hold its memory.
    if (this.#spare !== undefined && this.#spare.length !== this.#expected) this.drop();
  }

  /** Touches the next pages of the spare (allocating it first); false once it is ready or not wanted. */
  prepare(): boolean {
    const expected = this.#expected;
    if (expected === 0) return false;
    if (this.#spare === undefined) {
      try {
        this.#spare = freshBuffer(expected);
      } catch {
        // Out of memory for a guess: stop guessing (the message itself may still fit).
        this.#expected = 0;
        return false;
      }
      this.#touched = 0;
    }
    const spare = this.#spare;
    const end = Math.min(expected, this.#touched + PREPARE_STEP_BYTES);
    for (let at = this.#touched; at < end; at += PAGE) spare[at] = 0;
    this.#touched = end;
    return end < expected;
  }

  /**
   * Makes the spare ready while `waiting()` says the message has not come, asking it before every `every`-th
   * step (a look that costs a system call is asked less often). What is left faults in during the copy.
   */
  prepareWhile(waiting: () => boolean, every = 1): void {
    for (let step = 0; this.wanted; step++) {
      if (step % every === 0 && !waiting()) return;
      if (!this.prepare()) return;
    }
  }

  /** Lets the spare go (its side is idle, or the guess changed). */
  drop(): void {
    this.#spare = undefined;
    this.#touched = 0;
  }
}

/**
 * For a side whose event loop runs between calls: `arm()` after each message; `letGo` runs once SPARE_IDLE_MS
 * later if `holds()` said big buffers were held (made again if big messages go on). The timer is unref'd.
 */
export function letGoWhenIdle(holds: () => boolean, letGo: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer || !holds()) return;
    timer = setTimeout(() => {
      timer = undefined;
      letGo();
    }, SPARE_IDLE_MS);
    timer.unref();
  };
}
