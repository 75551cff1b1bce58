/**
 * Bounded spinning, used by both sides before they park. On these VMs waking a parked thread takes tens
 * of microseconds, while a thread spinning on its own core sees a change in well under one. So a side
 * spins, then parks; idle CPU stays near zero because every spin ends.
 *
 * How long to spin (issue 13):
 * - A base budget (SYNCBRIDGE_SPIN_MICROS, 50 µs), plus SYNCBRIDGE_WAKE_SPIN_MICROS when this side has
 *   just woken the other: the answer then needs the wake-up *and* the work. Without that allowance the two
 *   sides feed each other's misses (a parked worker answers too late for the caller's spin, and so on).
 * - A learned budget (the worker's): the gaps this caller leaves between an answer and its next request
 *   (`noteGap`). When recent gaps are under the cap (SYNCBRIDGE_SPIN_GAP_MICROS, 2 ms), staying awake
 *   through the next one answers in ~1 µs instead of a 20–40 µs wake-up; when every recent gap outlasted
 *   the spin it parks at once. The cost: up to one gap of spinning per call, never more than the cap after
 *   the last call.
 * - No back-off for a spin that simply missed while the other side was awake (a cold start's slow first
 *   calls, a long call): an earlier design skipped the next 1, 3 … 63 spins after each miss, and a fresh
 *   process's first thousands of calls parked. A spin after waking the other side still backs off after a
 *   miss (skipping the next 1, 3 … 63 such spins): the woken thread may need the core this one spins on.
 * - Otherwise spinning backs off only when the machine is oversubscribed. A spinning thread that finds its
 *   own loop interrupted for longer than PREEMPTED_MS was descheduled (every core busy); so was one that
 *   woke the other side and, after its whole spin, sees that the other has not even started to run
 *   (noteBusy); so is one whose run-queue delay per time slice is long. On a busy machine (for CONTENDED_MS
 *   after the evidence, longer while it recurs) it behaves as the earlier design did, which held the
 *   park-only floor beside a CPU hog: the fixed budget, skipping the next 1, 3 … 63 waits after each miss,
 *   nothing learned. With one core, it never spins.
 * - A spin through a learned gap is dropped for LEARN_QUIET_MS after any busy evidence, and after any spin
 *   of its own that was interrupted for over ROUGH_MS (`roughest`): a spinning thread that is descheduled is
 *   not woken by the other side's notify, and on a loaded machine it answered later than a parked one;
 *   and only while the load average leaves a core free (machineQuiet).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

// Atomics.pause (newer V8) tells the CPU this is a spin-wait: cheaper for a sibling hyper-thread.
const pause: () => void = typeof (Atomics as { pause?: () => void }).pause === 'function' ? (Atomics as unknown as { pause: () => void }).pause : () => {};

/**
 * One pass of the spin loop (64 loads) takes well under a µs; a pass this long means the thread was descheduled
 * for a time slice.
 */
const PREEMPTED_MS = 0.5;
/**
 * How long evidence of a busy machine keeps spins short and backing off: 25 ms, doubling with each new piece
 * of evidence found after a window ends (up to 800 ms), reset by a look that finds cores free. A fresh
 * process's start (worker bootstrap, compiler threads) costs a window or two; a machine that stays busy tries
 * spinning again about once a second.
 */
const CONTENDED_MS = 25;
const MAX_STREAK = 6;
/**
 * Staying awake through a learned gap (up to the cap) is riskier than a short spin: a spinning thread that is
 * descheduled is not woken by the other side's notify, it waits for its next turn (milliseconds on a busy
 * machine). So the learned budget needs this long without any evidence of a busy machine.
 */
const LEARN_QUIET_MS = 1000;
/** A spin through a learned gap interrupted for longer than this (ms) is not worth repeating for a while. */
const ROUGH_MS = 0.1;
/** After a missed spin, the run-queue delay is looked at no more often than this. */
const PROBE_MS = 20;
/** A thread that waits this long on average for a core each time it is scheduled is on an oversubscribed machine. */
const BUSY_DELAY_NS = 200_000;
/** Without a run-queue figure (not Linux): this many misses in a row count as a busy machine. */
const MISSES_WITHOUT_PROBE = 4;
const MAX_BACKOFF_SHIFT = 6;
/** Recent gaps remembered; the budget follows the second longest of them (one outlier does not count). */
const GAPS = 8;
/**
 * Spins through learned gaps only while the 1-minute load average is under the core count plus this: a
 * caller working through its gaps and a worker spinning through them count 2 themselves; more means other
 * processes want these cores, and measured here (load 4–7 on 2 cores from other work) a spinning worker then
 * answered a 1 ms gap in 70–110 µs against 35–50 µs parked. Looked at every LOAD_EVERY_MS.
 */
const LOAD_MARGIN = 0.5;
const LOAD_EVERY_MS = 500;
/** The cores this process may use; undefined where the runtime cannot tell. */
const cores = (() => {
  try {
    return availableParallelism();
  } catch {
    return undefined;
  }
})();
/** With one core a spin only takes the time slice the other side needs: never spin. */
const oneCore = cores !== undefined && cores <= 1;
let loadCheckedAt = Number.NEGATIVE_INFINITY;
let loadLow = false;
function machineQuiet(now: number): boolean {
  if (now - loadCheckedAt > LOAD_EVERY_MS) {
    loadCheckedAt = now;
    try {
      loadLow = (loadavg()[0] ?? Infinity) < (cores ?? 1) + LOAD_MARGIN;
    } catch {
      loadLow = false;
    }
  }
  return loadLow;
}
/** This thread's time waiting for a core and times scheduled (Linux: /proc/thread-self/schedstat), or undefined. */
let schedstat: string | undefined = '/proc/thread-self/schedstat';
function runQueue(): [delayNs: number, slices: number] | undefined {
  if (!schedstat) return undefined;
  try {
    const fields = readFileSync(schedstat, 'latin1').split(' ');
    return [Number(fields[1]), Number(fields[2])];
  } catch {
    schedstat = undefined;
    return undefined;
  }
}

export class AdaptiveSpin {
  readonly #budget: number;
  readonly #wake: number;
  readonly #cap: number;
  #contendedUntil = 0;
  #lastBusy = Number.NEGATIVE_INFINITY;
  #streak = 0;
  #skip = 0;
  #failures = 0;
  #misses = 0;
  #probedAt = 0;
  #delayNs = 0;
  #slices = 0;
  readonly #gaps = new Float64Array(GAPS);
  #gapCount = 0;
  #learned = 0;
  /** The shortest of the recent gaps (0: too few yet). */
  #shortest = 0;
  /** Whether the spin being made follows a wake-up of the other side (budget's `wokeOther`). */
  #woke = false;
  /** The longest interruption of the last spin, in ms. */
  roughest = 0;
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

  /** True while there is recent evidence that every core is busy. */
  get contended(): boolean {
    return this.#contendedUntil > 0 && performance.now() < this.#contendedUntil;
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
   * parked. On a busy machine: the base budget, skipped after misses (1, 3 … 63 waits, reset by a success).
   */
  budget(wokeOther = false): number {
    this.#woke = wokeOther;
    if (this.#budget <= 0) return 0;
    // Skipped after misses (below): for a spin after waking the other side, as on a busy machine.
    if (this.#skip > 0 && wokeOther) {
      this.#skip--;
      return 0;
    }
    if (this.contended) {
      // The earlier design, which held the park-only floor beside a CPU hog: a fixed budget, skipped after misses.
      if (this.#skip > 0) {
        this.#skip--;
        return 0;
      }
      return this.#budget + (wokeOther ? this.#wake : 0);
    }
    if (!wokeOther) this.#skip = 0;
    const base = this.#budget + (wokeOther ? this.#wake : 0);
    if (this.#learned > base) {
      const now = performance.now();
      if (now - this.#lastBusy > LEARN_QUIET_MS && machineQuiet(now)) return this.#learned;
    }
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
    this.roughest = 0;
    for (let pass = 0; ; pass++) {
      for (let i = 0; i < 64; i++) {
        if (Atomics.load(words, index) !== value) {
          this.#failures = 0;
          this.#misses = 0;
          if (pass === 0) {
            // Within the first 64 loads: found about when the spin began; not worth another clock read.
            this.changedAt = last;
            return true;
          }
          // Descheduled mid-spin, the change found on return: the other side waited for this thread's turn.
          const found = performance.now();
          this.changedAt = found;
          if (found - last > this.roughest) this.roughest = found - last;
          if (found - last > PREEMPTED_MS) this.#busy(found);
          return true;
        }
        pause();
      }
      const now = performance.now();
      if (now - last > this.roughest) this.roughest = now - last;
      if (now - last > PREEMPTED_MS) {
        // Descheduled: another thread wanted this core. Spin no longer than the base budget from here.
        this.#busy(now);
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

  /**
   * The other side, woken by this one, has not even started to run after this side's whole spin: its thread
   * is waiting for a core. (Seen by the caller as a request not yet read, by the worker as a caller still parked.)
   */
  noteBusy(): void {
    this.#busy(performance.now());
  }

  /** A spin through a learned gap was interrupted (`roughest` over ROUGH_MS): no learned spins for a while. */
  noteRough(): void {
    this.#lastBusy = performance.now();
  }

  /** Whether an interruption this long (ms) makes spins through learned gaps unsafe for a while. */
  static rough(ms: number): boolean {
    return ms > ROUGH_MS;
  }

  /** Evidence that every core is busy. */
  #busy(now: number): void {
    this.#lastBusy = now;
    if (now < this.#contendedUntil) return;
    this.#streak = Math.min(this.#streak + 1, MAX_STREAK);
    this.#contendedUntil = now + CONTENDED_MS * (1 << (this.#streak - 1));
  }

  /** A spin ran out. A miss alone says nothing (a cold start, a long call): back off only on a busy machine. */
  #missed(now: number): void {
    this.#misses++;
    if (now - this.#probedAt >= PROBE_MS) {
      const sample = runQueue();
      if (sample) {
        const [delayNs, slices] = sample;
        if (this.#probedAt > 0 && slices > this.#slices) {
          if ((delayNs - this.#delayNs) / (slices - this.#slices) > BUSY_DELAY_NS) this.#busy(now);
          else this.#streak = 0;
        }
        this.#delayNs = delayNs;
        this.#slices = slices;
      } else if (this.#misses >= MISSES_WITHOUT_PROBE) this.#busy(now);
      this.#probedAt = now;
    }
    // A spin after waking the other side that missed: the woken thread may be waiting for the core this
    // one spins on (an oversubscribed machine that the evidence above has not caught), so back off as well.
    if (!this.contended && !this.#woke) return;
    this.#failures = Math.min(this.#failures + 1, MAX_BACKOFF_SHIFT);
    this.#skip = (1 << this.#failures) - 1;
  }
}
