import type { UpstreamUsage } from './types';

/** One worker's usage summary as it travels through Redis. */
export interface UsageSummary {
  /** The publishing worker's instance id. */
  instanceId: string;
  /** Epoch ms at which the worker summed up its pool. */
  at: number;
  usage: Map<string, UpstreamUsage>;
}

/** How far ahead of the reader's clock a summary's times may be (clock skew between workers). */
export const MAX_USAGE_SKEW_MS = 60_000;
/** Larger texts are not parsed at all: no worker's pool reports that much. */
export const MAX_USAGE_SUMMARY_LENGTH = 32 * 1024 * 1024;
const MAX_ID_LENGTH = 200;
const MAX_ACTIVE = 1_000_000;
const MAX_USES = 2 ** 53 - 1;

/**
 * `{"v":1,"worker":…,"at":…,"usage":["<upstream id>",lastUsed,active,uses,…]}`: keyed by upstream
 * id only, so no URL (and no credential in one) ever reaches Redis, and flat, which parses seven
 * times faster than an object per upstream (60k upstreams: 7 ms instead of 50).
 */
export function serializeUsageSummary(summary: UsageSummary): string {
  const usage: (string | number)[] = [];
  for (const [id, u] of summary.usage) usage.push(id, u.lastUsed, u.active, u.uses);
  return JSON.stringify({ v: 1, worker: summary.instanceId, at: summary.at, usage });
}

/**
 * A summary read back from Redis, or the reason it is not trusted: anything but the exact shape,
 * a count out of range, or a time further ahead than `MAX_USAGE_SKEW_MS`. A summary is taken whole
 * or not at all, so a tampered one cannot half-count.
 */
export function parseUsageSummary(raw: string, nowMs: number): UsageSummary | string {
  if (raw.length > MAX_USAGE_SUMMARY_LENGTH) return 'too large';
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (!isRecord(data) || data.v !== 1) return 'not a version 1 summary';
  const { worker, at, usage } = data;
  if (typeof worker !== 'string' || worker.length === 0 || worker.length > MAX_ID_LENGTH) return 'bad worker id';
  const latest = nowMs + MAX_USAGE_SKEW_MS;
  if (!isWhole(at, latest)) return 'bad or future time';
  if (!Array.isArray(usage) || usage.length % 4 !== 0) return 'usage is not a list of [id, lastUsed, active, uses]';
  const parsed = new Map<string, UpstreamUsage>();
  for (let i = 0; i < usage.length; i += 4) {
    const id: unknown = usage[i];
    const lastUsed: unknown = usage[i + 1];
    const active: unknown = usage[i + 2];
    const uses: unknown = usage[i + 3];
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return 'bad upstream id';
    if (!isNumberIn(lastUsed, 0, latest)) return 'bad or future lastUsed';
    if (!isWhole(active, MAX_ACTIVE) || !isNumberIn(uses, -MAX_USES, MAX_USES)) return 'count out of range';
    if (parsed.has(id)) return 'upstream listed twice';
    parsed.set(id, { lastUsed, active, uses });
  }
  return { instanceId: worker, at, usage: parsed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function isWhole(value: unknown, max: number): value is number {
  return isNumberIn(value, 0, max) && Number.isInteger(value);
}
