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
  callerSpinMicros: 50,
  workerSpinMicros: 50,
  /** A call blocked this long starts a watchdog thread that notices a worker dying without a word. */
  watchdogAfter: 50,
} as const;

/** Environment variables a user can set without touching code. */
export const envVars = {
  timeout: 'SYNCBRIDGE_TIMEOUT',
  warnAfter: 'SYNCBRIDGE_WARN_AFTER',
} as const;
