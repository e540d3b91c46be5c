import { performance } from 'node:perf_hooks';

/** The one source of wall-clock time, injectable so tests move time instead of sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Milliseconds from an arbitrary origin that never jump (NTP steps, manual changes): for
 * durations and deadlines such as a lock's validity, never for dates.
 */
export const monotonicClock: Clock = { now: () => performance.now() };
