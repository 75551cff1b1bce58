/**
 * Adaptive, bounded spinning, used by both sides before they park. On these VMs waking a parked thread
 * takes tens of microseconds, while a thread spinning on its own core sees a change in well under one.
 * But a spin only pays when the other side answers within it; when it does not (the other side is busy
 * with real work, or both threads share one core) it burns the time slice the other side needs. So a
 * spin that fails makes the next few waits park at once, backing off exponentially (1, 3, 7 … 63
 * waits), and one success restores it. Idle CPU is zero: every spin ends and then parks.
 *
 * A side that had to wake the other (it was parked) allows for that wake-up: the answer then needs the
 * wake-up *and* the work. Without that allowance the two sides feed each other's misses: a parked worker
 * answers too late for the caller's spin, the caller parks, wakes too late for the worker's spin, the
 * worker parks, and both stay parked — a 1 KB echo took 10x a no-op that way (31.5 µs against 3.1 µs).
 */

// Atomics.pause (newer V8) tells the CPU this is a spin-wait: cheaper for a sibling hyper-thread.
const pause: () => void = typeof (Atomics as { pause?: () => void }).pause === 'function' ? (Atomics as unknown as { pause: () => void }).pause : () => {};

const MAX_BACKOFF_SHIFT = 6;

export class AdaptiveSpin {
  #skip = 0;
  #failures = 0;

  /**
   * @param budgetMicros how long to spin when the other side is awake
   * @param wakeMicros how much longer to spin when this side has just woken the other
   */
  constructor(
    private readonly budgetMicros: number,
    private readonly wakeMicros = 0,
  ) {}

  /**
   * Spins while words[index] === value, within the budget. True if it changed meanwhile.
   * `wokeOther`: this side has just notified the other, which was parked.
   */
  spin(words: Int32Array, index: number, value: number, wokeOther = false): boolean {
    if (this.budgetMicros <= 0) return false;
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    const deadline = performance.now() + (wokeOther ? this.budgetMicros + this.wakeMicros : this.budgetMicros) / 1000;
    do {
      for (let i = 0; i < 64; i++) {
        if (Atomics.load(words, index) !== value) {
          this.#failures = 0;
          return true;
        }
        pause();
      }
    } while (performance.now() < deadline);
    this.#failures = Math.min(this.#failures + 1, MAX_BACKOFF_SHIFT);
    this.#skip = (1 << this.#failures) - 1;
    return false;
  }
}
