/** How far ahead of our clock a stored poll time may be before it counts as tampered. */
export const MAX_FUTURE_SKEW_SECONDS = 60;

// Plain decimals only: Number() would also accept '', ' 12 ', '0x10', '1e400' and 'Infinity'.
const DECIMAL = /^\d{1,16}(\.\d{1,20})?$/;

/**
 * Epoch seconds of the last poll as read from the store, or null for "never polled":
 * missing, not a plain positive number, or more than a minute in the future.
 */
export function parsePollTimestamp(raw: string | null, nowSeconds: number): number | null {
  if (raw === null || !DECIMAL.test(raw)) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > nowSeconds + MAX_FUTURE_SKEW_SECONDS) return null;
  return value;
}
