/**
 * With claims a round costs one Redis round trip, so rounds come this many times per interval:
 * a due upstream then waits at most a tenth of its interval, which keeps the jitter's spread
 * (with one round per interval, an upstream due just after a round would wait a whole interval).
 */
export const ROUNDS_PER_INTERVAL = 10;

/**
 * The period of a poll round. Without classification the gate says "poll" to everything, so
 * rounds keep the interval itself.
 */
export function roundPeriodMs(intervalSeconds: number, claimed: boolean): number {
  return (intervalSeconds * 1000) / (claimed ? ROUNDS_PER_INTERVAL : 1);
}

/** A random first delay within one period, so the workers' rounds do not start in step. */
export function startDelayMs(periodMs: number): number {
  return Math.floor(Math.random() * periodMs);
}
