/**
 * Every default and every environment variable, in one place, and the one reader of numeric environment
 * variables: a value a setting does not accept is refused the same way, whichever variable and whoever reads it.
 */
import { readEnv } from '../env/runtime.js';
import { ErrorCodes, libraryError } from '../errors.js';

/** Environment variables a user can set without touching code. */
export const envVars = {
  timeout: 'SYNCBRIDGE_TIMEOUT',
  warnAfter: 'SYNCBRIDGE_WARN_AFTER',
  spinMicros: 'SYNCBRIDGE_SPIN_MICROS',
  wakeSpinMicros: 'SYNCBRIDGE_WAKE_SPIN_MICROS',
  spinGapMicros: 'SYNCBRIDGE_SPIN_GAP_MICROS',
  strategy: 'SYNCBRIDGE_STRATEGY',
} as const;

/** The strategies a user may ask for (strategy/choose.ts decides among them). */
export const STRATEGIES = ['auto', 'thread', 'process'] as const;
export type StrategyOption = (typeof STRATEGIES)[number];

/**
 * SYNCBRIDGE_STRATEGY: the strategy for bridges whose options name none (the test suite runs once per
 * strategy this way). Undefined when unset; a value that is not a strategy is refused, as a bad option is.
 */
export function envStrategy(): StrategyOption | undefined {
  const raw = readEnv(envVars.strategy)?.trim();
  if (!raw) return undefined;
  if ((STRATEGIES as readonly string[]).includes(raw)) return raw as StrategyOption;
  throw libraryError(
    ErrorCodes.INVALID_ARG,
    `The environment variable ${envVars.strategy}="${raw}" must be one of ${STRATEGIES.join(', ')}: set it to one, or unset it.`,
  );
}

export type NumberSetting = Exclude<keyof typeof envVars, 'strategy'>;

/** What each numeric setting accepts: the same rule for its option (where it has one) and its variable. */
const RULES: Record<NumberSetting, { unit: string; zero: boolean; infinity: boolean; example: string }> = {
  timeout: { unit: 'milliseconds', zero: false, infinity: true, example: '5000' },
  warnAfter: { unit: 'milliseconds', zero: true, infinity: true, example: '10000 (0 turns the reports off)' },
  spinMicros: { unit: 'microseconds', zero: true, infinity: false, example: '50 (0 turns spinning off)' },
  wakeSpinMicros: { unit: 'microseconds', zero: true, infinity: false, example: '100' },
  spinGapMicros: { unit: 'microseconds', zero: true, infinity: false, example: "2000 (0: never spin through the caller's gaps)" },
};

/** What a setting accepts, for messages: "a positive number of milliseconds (or Infinity)". */
export function numberRule(setting: NumberSetting): string {
  const rule = RULES[setting];
  return `a ${rule.zero ? 'non-negative' : 'positive'} ${rule.infinity ? '' : 'finite '}number of ${rule.unit}${rule.infinity ? ' (or Infinity)' : ''}`;
}

/** Whether the setting accepts this value. */
export function acceptsNumber(setting: NumberSetting, value: unknown): value is number {
  const rule = RULES[setting];
  return typeof value === 'number' && value >= 0 && (rule.zero || value !== 0) && (rule.infinity || Number.isFinite(value));
}

/**
 * The one reader of numeric environment variables: undefined when the variable is unset (or blank), its number
 * when the setting accepts it, and otherwise an ERR_SYNCBRIDGE_INVALID_ARG that names the variable, says what it
 * must be and how to fix it. `raw` is the text read, when it was read earlier.
 */
export function envNumber(setting: NumberSetting, raw: string | undefined = readEnv(envVars[setting])): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (acceptsNumber(setting, value)) return value;
  const name = envVars[setting];
  throw libraryError(
    ErrorCodes.INVALID_ARG,
    `The environment variable ${name}="${raw}" must be ${numberRule(setting)}: set it to one, e.g. ${name}=${RULES[setting].example}, or unset it.`,
  );
}

/**
 * Spin tuning, read once when the library loads: SYNCBRIDGE_SPIN_MICROS (0 turns spinning off, every wait
 * parks), SYNCBRIDGE_WAKE_SPIN_MICROS and SYNCBRIDGE_SPIN_GAP_MICROS. The benchmark uses them to measure the park-only design and each
 * optimisation's before/after. A value they do not accept does not fail the import: the built-in value stands
 * in, and every call is refused (checkTuning, from callSettings) as a bad SYNCBRIDGE_TIMEOUT is.
 */
const tuningRead: Partial<Record<NumberSetting, string>> = {};
function tuning(setting: NumberSetting, fallback: number): number {
  const raw = readEnv(envVars[setting]);
  try {
    return envNumber(setting, raw) ?? fallback;
  } catch {
    tuningRead[setting] = raw;
    return fallback;
  }
}
const spinMicros = tuning('spinMicros', 50);
const wakeSpinMicros = tuning('wakeSpinMicros', 100);
const spinGapMicros = tuning('spinGapMicros', 2000);

/** Throws the refusal of a spin variable that had a value it does not accept when the library loaded. */
export function checkTuning(): void {
  for (const [setting, raw] of Object.entries(tuningRead)) envNumber(setting as NumberSetting, raw);
}

/** Every tunable default, in one place. Times are milliseconds unless the name says otherwise. */
export const defaults = {
  /** No timeout unless asked for: a slow call is legitimate. Long waits are reported instead (warnAfter). */
  timeout: Infinity,
  /** While a call blocks with no timeout, say so on stderr this often. 0 turns the reports off. */
  warnAfter: 10_000,
  /**
   * Shared-memory areas. Payloads that do not fit travel through a MessagePort, transferred, not cloned;
   * big binary data is copied into a growable payload area per direction instead, up to payloadMaxBytes
   * (address space reserved per worker and direction; memory is committed only as an area grows, and kept).
   */
  layout: { requestBytes: 64 * 1024, responseBytes: 64 * 1024, outputBytes: 64 * 1024, payloadMaxBytes: 1024 * 1024 * 1024 },
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
  wakeSpinMicros: spinMicros > 0 ? wakeSpinMicros : 0,
  /**
   * The worker learns the gaps the caller leaves between an answer and its next request (wire/spin.ts): while
   * they are under this cap it stays awake through them (a ~1 µs answer instead of a 20–40 µs wake-up, for up
   * to one gap of CPU per call); after a longer gap it parks. An idle bridge spins at most this long.
   */
  spinGapMicros: spinMicros > 0 ? spinGapMicros : 0,
  /** A call blocked this long starts a watchdog thread that notices a worker dying without a word. */
  watchdogAfter: 50,
} as const;
