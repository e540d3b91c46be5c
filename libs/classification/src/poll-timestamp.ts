/** How far ahead of our clock a stored poll time may be before it counts as tampered. */
export const MAX_FUTURE_SKEW_SECONDS = 60;

/**
 * How far ahead a stored poll time may be for an upstream polled every `intervalSeconds`: a
 * minute, and never more than one interval. A time further ahead would hold the next poll back
 * by more than the interval itself (60 s ahead with a 2 s interval: no poll for 62 s).
 */
export function maxFutureSkewSeconds(intervalSeconds: number): number {
  return Math.min(MAX_FUTURE_SKEW_SECONDS, intervalSeconds);
}

// Plain decimals only: Number() would also accept '', ' 12 ', '0x10', '1e400' and 'Infinity'.
const DECIMAL = /^\d{1,16}(\.\d{1,20})?$/;

/**
 * Epoch seconds of the last poll as read from the store, or null for "never polled":
 * missing, not a plain positive number, or further in the future than `maxSkewSeconds`
 * (a minute by default, the seed's rule; readers pass `maxFutureSkewSeconds(interval)`). The
 * claim script (redis-scripts.ts) mirrors this.
 */
export function parsePollTimestamp(
  raw: string | null,
  nowSeconds: number,
  maxSkewSeconds: number = MAX_FUTURE_SKEW_SECONDS,
): number | null {
  if (raw === null || !DECIMAL.test(raw)) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > nowSeconds + maxSkewSeconds) return null;
  return value;
}
