/**
 * Bounded spinning, used by both sides before they park. On these VMs waking a parked thread takes tens
 * of microseconds (a notify alone costs 12–20 µs, the woken thread runs 40–60 µs later once its core has
 * gone idle), while a thread spinning on its own core sees a change in well under one. So a side spins,
 * then parks; idle CPU stays near zero because every spin ends.
 *
 * How long to spin (issue 13):
 * - A base budget (SYNCBRIDGE_SPIN_MICROS, 50 µs), plus SYNCBRIDGE_WAKE_SPIN_MICROS when this side has
 *   just woken the other: the answer then needs the wake-up *and* the work. Without that allowance the two
 *   sides feed each other's misses (a parked worker answers too late for the caller's spin, and so on).
 * - A learned budget (the worker's): the gaps this caller leaves between an answer and its next request
 *   (`noteGap`). When recent gaps are under the cap (SYNCBRIDGE_SPIN_GAP_MICROS, 2 ms), staying awake
 *   through the next one answers in ~1 µs instead of a 40–60 µs wake-up; when every recent gap outlasted
 *   the spin it parks at once. It costs up to one gap of a core per call, never more than the cap after
 *   the last call, and only while the machine has a core to spare (env/cores.ts: a census of the threads
 *   that want a core, taken every few ms): on a busy machine a spinning worker is descheduled, misses the
 *   notify, and answers later than a parked one.
 * - Backing off: a spin after waking the other side that missed, or any spin that missed while the machine
 *   is busy (the census, or this side's own spin found descheduled), skips the next 1, 3 … 63 such spins,
 *   as the earlier design did, which held the park-only floor beside a CPU hog; a success resets it. A miss
 *   on a quiet machine alone says nothing (a cold start's slow first calls, a long call): an earlier design
 *   backed off then too, and a fresh process's first thousands of calls parked. With one core, it never spins.
 */
import { cores, coreToSpare } from '../env/cores.js';

// Atomics.pause (newer V8) tells the CPU this is a spin-wait: cheaper for a sibling hyper-thread.
const pause: () => void = typeof (Atomics as { pause?: () => void }).pause === 'function' ? (Atomics as unknown as { pause: () => void }).pause : () => {};

/**
 * One pass of the spin loop (64 loads) takes well under a µs; a pass this long means the thread was descheduled
 * for a time slice: every core was wanted. That counts as a busy machine for CONTENDED_MS.
 */
const PREEMPTED_MS = 0.5;
const CONTENDED_MS = 25;
const MAX_BACKOFF_SHIFT = 6;
/** Recent gaps remembered; the budget follows the second longest of them (one outlier does not count). */
const GAPS = 8;
/** With one core a spin only takes the time slice the other side needs: never spin. */
const oneCore = cores !== undefined && cores <= 1;

export class AdaptiveSpin {
  readonly #budget: number;
  readonly #wake: number;
  readonly #cap: number;
  /** Until when this side's own spin found the machine busy (performance.now()). */
  #contendedUntil = 0;
  #skip = 0;
  #failures = 0;
  readonly #gaps = new Float64Array(GAPS);
  #gapCount = 0;
  #learned = 0;
  /** The shortest of the recent gaps (0: too few yet). */
  #shortest = 0;
  /** Whether the spin being made follows a wake-up of the other side (budget's `wokeOther`). */
  #woke = false;
  /** When the last spin saw the change (performance.now()), or -1 if it did not: the caller need not read the clock again. */
  changedAt = -1;

  /**
   * @param budgetMicros how long to spin when the other side is awake (0: never spin)
   * @param wakeMicros how much longer to spin when this side has just woken the other
   * @param capMicros the longest learned gap worth staying awake through (0: learn nothing)
   */
  constructor(budgetMicros: number, wakeMicros = 0, capMicros = 0) {
    this.#budget = oneCore ? 0 : budgetMicros;
    this.#wake = wakeMicros;
    this.#cap = budgetMicros > 0 ? capMicros : 0;
  }

  /**
   * Whether the machine looks busy: this side was descheduled lately, or more threads want a core than there
   * are. Even one thread over counts: in a fresh process V8's own compiler threads make the census 3 on 2
   * cores for stretches of the first thousands of calls, and there parking (medians of 25–43 µs per call)
   * measured better than spinning on (80–110 µs: the thread we wait for queues behind our spin).
   */
  busy(now = performance.now()): boolean {
    return now < this.#contendedUntil || coreToSpare(now) === false;
  }

  /** Whether a spin through a learned gap may go on: a core to spare, as far as is known. */
  mayStayAwake(now = performance.now()): boolean {
    return now >= this.#contendedUntil && coreToSpare(now) === true;
  }

  /** Records the time between this side's answer and the other side's next message. */
  noteGap(micros: number): void {
    if (this.#budget <= 0) return;
    this.#gaps[this.#gapCount++ % GAPS] = micros;
    const n = Math.min(this.#gapCount, GAPS);
    if (n < 3) {
      this.#learned = 0;
      this.#shortest = 0;
      return;
    }
    // The second longest of the recent gaps, and the shortest.
    let first = 0;
    let second = 0;
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const g = this.#gaps[i] as number;
      if (g < shortest) shortest = g;
      if (g > first) {
        second = first;
        first = g;
      } else if (g > second) second = g;
    }
    this.#shortest = shortest;
    this.#learned = this.#cap <= 0 || second > this.#cap ? 0 : Math.min(this.#cap, second * 1.25 + this.#budget);
  }

  /**
   * How long the next spin may last, in µs. `wokeOther`: this side has just notified the other, which was
   * parked. After misses that called for backing off, 0 for the next 1, 3 … 63 spins that follow a wake-up
   * (all spins while the machine is busy).
   */
  budget(wokeOther = false): number {
    this.#woke = wokeOther;
    if (this.#budget <= 0) return 0;
    if (this.#skip > 0) {
      // Skipped: a spin after waking the other side, or any spin on a busy machine. Otherwise the misses were
      // a quiet machine's slow calls, and a spin for an awake side costs nobody a core.
      if (wokeOther || this.busy()) {
        this.#skip--;
        return 0;
      }
      this.#skip = 0;
    }
    const base = this.#budget + (wokeOther ? this.#wake : 0);
    if (this.#learned > base && this.mayStayAwake()) return this.#learned;
    // Every recent gap was longer than this spin: it would miss, and only delay parking (measured: a 1 ms gap
    // answered in ~80 µs after a futile 50 µs spin, ~40 µs parking at once). Park at once.
    return this.#shortest > base ? 0 : base;
  }

  /** Spins while words[index] === value, for up to `micros`. True if it changed meanwhile. */
  spin(words: Int32Array, index: number, value: number, micros: number): boolean {
    this.changedAt = -1;
    if (micros <= 0) return false;
    let last = performance.now();
    let deadline = last + micros / 1000;
    for (let pass = 0; ; pass++) {
      for (let i = 0; i < 64; i++) {
        if (Atomics.load(words, index) !== value) {
          this.#failures = 0;
          if (pass === 0) {
            // Within the first 64 loads: found about when the spin began; not worth another clock read.
            this.changedAt = last;
            return true;
          }
          const found = performance.now();
          this.changedAt = found;
          // Descheduled mid-spin, the change found on return: the other side waited for this thread's turn.
          if (found - last > PREEMPTED_MS) this.#contendedUntil = found + CONTENDED_MS;
          return true;
        }
        pause();
      }
      const now = performance.now();
      if (now - last > PREEMPTED_MS) {
        // Descheduled: another thread wanted this core. Spin no longer than the base budget from here.
        this.#contendedUntil = now + CONTENDED_MS;
        deadline = Math.min(deadline, now + this.#budget / 1000);
      }
      if (now >= deadline) {
        if (Atomics.load(words, index) !== value) return true;
        this.#missed(now);
        return false;
      }
      last = now;
    }
  }

  /** A spin ran out. A miss alone says nothing (a cold start, a long call): back off only when it may have cost someone a core. */
  #missed(now: number): void {
    if (!this.#woke && !this.busy(now)) return;
    this.#failures = Math.min(this.#failures + 1, MAX_BACKOFF_SHIFT);
    this.#skip = (1 << this.#failures) - 1;
  }
}
