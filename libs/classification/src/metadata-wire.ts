import { z } from 'zod';
import { classificationMessages as messages } from './classification.messages';
import type { ClassificationMetadata } from './types';

/**
 * The seed's metadata JSON (orjson of its dataclass): snake_case keys in this order, timestamp
 * in epoch seconds as a float, and `null` when there is no underutilization reason.
 */
export function serializeMetadata(metadata: ClassificationMetadata): string {
  return (
    `{"total_servers":${metadata.totalServers},"hot_cap":${metadata.hotCap},` +
    `"hot_actual":${metadata.hotActual},"eligible_count":${metadata.eligibleCount},` +
    `"timestamp":${formatEpochSeconds(metadata.timestamp / 1000)},` +
    `"underutilized_reason":${JSON.stringify(metadata.underutilizedReason ?? null)}}`
  );
}

/**
 * Epoch seconds as Python writes a float (`1712345678.123`, `1712345678.0`): a plain decimal,
 * shortest round-trip digits, never an exponent.
 */
export function formatEpochSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds >= 1e16) {
    throw new RangeError(messages.invalidEpoch(seconds));
  }
  if (Number.isInteger(seconds)) return `${seconds}.0`;
  const text = String(seconds);
  return text.includes('e') ? seconds.toFixed(9) : text;
}

const count = z.number().int().nonnegative();
const wireMetadata = z.object({
  total_servers: count,
  hot_cap: count,
  hot_actual: count,
  eligible_count: count,
  timestamp: z.number().finite().nonnegative(),
  underutilized_reason: z.string().max(1000).nullable(),
});

/** Reads the metadata JSON back (ours or the seed's); null when missing or not in that shape. */
export function parseMetadata(raw: unknown): ClassificationMetadata | null {
  if (typeof raw !== 'string' || raw.length > 10_000) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = wireMetadata.safeParse(json);
  if (!parsed.success) return null;
  const m = parsed.data;
  return {
    totalServers: m.total_servers,
    hotCap: m.hot_cap,
    hotActual: m.hot_actual,
    eligibleCount: m.eligible_count,
    timestamp: Math.round(m.timestamp * 1000),
    ...(m.underutilized_reason !== null && { underutilizedReason: m.underutilized_reason }),
  };
}
