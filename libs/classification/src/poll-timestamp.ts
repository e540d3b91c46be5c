/** How far ahead of our clock a stored poll time may be before it counts as tampered. */
export const MAX_FUTURE_SKEW_SECONDS = 60;

// Plain decimals only: Number() would also accept '', ' 12 ', '0x10', '1e400' and 'Infinity'.
const DECIMAL = /^\d{1,16}(\.\d{1,20})?$/;

/**
 * Epoch seconds of the last poll as read from the store, or null for "never polled":
 * missing, not a plain positive number, or further in the future than `maxSkewSeconds`
 * (a minute by default, the seed's rule). The claim script (redis-scripts.ts) mirrors this.
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
