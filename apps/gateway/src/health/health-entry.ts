import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * What an orchestrator and a person read off one entry of /health: `up`, `degraded` (up, with
 * `degraded: true` and a `message`: a dependency designed to fail open is missing, the worker
 * still does its job) or `down`.
 */
export type HealthState = 'up' | 'degraded' | 'down';

/** One entry of a terminus result: its status and whatever details the indicator added. */
export type HealthEntry = { status: 'up' | 'down'; degraded?: boolean; message?: string } & Record<string, unknown>;

export function entryOf<Key extends string>(result: HealthIndicatorResult<Key>, key: Key): HealthEntry {
  return result[key] as HealthEntry;
}

export function stateOf(entry: HealthEntry): HealthState {
  if (entry.status === 'down') return 'down';
  return entry.degraded === true ? 'degraded' : 'up';
}

/** A `down` entry shown as degraded: for /health/ready's informational entries, which never fail it. */
export function softened<Key extends string>(result: HealthIndicatorResult<Key>, key: Key): HealthIndicatorResult<Key> {
  const entry = entryOf(result, key);
  if (entry.status !== 'down') return result;
  return { [key]: { ...entry, status: 'up', degraded: true } } as unknown as HealthIndicatorResult<Key>;
}

/** The keys of the degraded entries of a terminus result's details, for the summary at the top. */
export function degradedKeys(details: Record<string, { status: string; degraded?: unknown }>): string[] {
  return Object.entries(details)
    .filter(([, entry]) => entry.status === 'up' && entry.degraded === true)
    .map(([key]) => key);
}
