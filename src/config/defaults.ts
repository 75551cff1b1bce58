import { readEnv } from '../env/runtime.js';

/** Environment variables a user can set without touching code. */
export const envVars = {
  timeout: 'SYNCBRIDGE_TIMEOUT',
  warnAfter: 'SYNCBRIDGE_WARN_AFTER',
  spinMicros: 'SYNCBRIDGE_SPIN_MICROS',
  wakeSpinMicros: 'SYNCBRIDGE_WAKE_SPIN_MICROS',
} as const;

/**
 * Spin tuning, read once when the library loads: SYNCBRIDGE_SPIN_MICROS (0 turns spinning off, every wait
 * parks) and SYNCBRIDGE_WAKE_SPIN_MICROS. The benchmark uses them to measure the park-only design and each
 * optimisation's before/after. Anything but a finite number >= 0 is ignored.
 */
function tuning(name: string, fallback: number): number {
  const text = readEnv(name);
  const value = text === undefined || text === '' ? NaN : Number(text);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}
const spinMicros = tuning(envVars.spinMicros, 50);

/** Every tunable default, in one place. Times are milliseconds unless the name says otherwise. */
export const defaults = {
  /** No timeout unless asked for: a slow call is legitimate. Long waits are reported instead (warnAfter). */
  timeout: Infinity,
  /** While a call blocks with no timeout, say so on stderr this often. 0 turns the reports off. */
  warnAfter: 10_000,
  /** Shared-memory areas. Payloads that do not fit travel through a MessagePort, transferred, not cloned. */
  layout: { requestBytes: 64 * 1024, responseBytes: 64 * 1024, outputBytes: 64 * 1024 },
  /**
   * Spin budgets. Waking a parked thread costs tens of µs on these VMs; a spinning one answers in <1 µs.
   * Spins are short and bounded, then both sides park, so an idle bridge uses no CPU.
   */
  callerSpinMicros: spinMicros,
  workerSpinMicros: spinMicros,
  /**
   * Added to a side's spin when it has just woken the other: a parked thread takes tens of µs to run again
   * (more on a loaded machine), and without the allowance each side's late answer makes the other park.
   */
  wakeSpinMicros: spinMicros > 0 ? tuning(envVars.wakeSpinMicros, 100) : 0,
  /** A call blocked this long starts a watchdog thread that notices a worker dying without a word. */
  watchdogAfter: 50,
} as const;
