import type { RunRecord } from '../run-record';

/** What one invariant found in one run: the violations (empty when it held) and its figures. */
export interface Outcome {
  violations: string[];
  figures: Record<string, number>;
}

export interface Invariant {
  name: string;
  check(run: RunRecord): Outcome;
}

/** Lists at most a few examples, so one broken run does not flood the report. */
export function examples(what: string, found: readonly string[], max = 3): string[] {
  if (found.length === 0) return [];
  const more = found.length > max ? ` (+${found.length - max} more)` : '';
  return [`${what}: ${found.slice(0, max).join('; ')}${more}`];
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
