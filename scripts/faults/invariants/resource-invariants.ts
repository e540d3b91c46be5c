import type { RunRecord } from '../run-record';
import { examples, type Invariant } from './invariant';

/** Stated bounds: a worker's RSS stays under 512 MB and grows under 150 MB over its first sample. */
export const RSS_LIMIT_MB = 512;
export const RSS_GROWTH_MB = 150;
/** Upstream sessions open at once, fleet-wide, whatever the number of client identities. */
export const SESSION_CAP = 1_000;

export const memoryBounded: Invariant = {
  name: 'rss-bounded',
  check(run: RunRecord) {
    const found: string[] = [];
    let max = 0;
    const workers = [...new Set(run.history.of('rss').map((s) => s.worker))];
    for (const worker of workers) {
      const samples = run.history.of('rss').filter((s) => s.worker === worker);
      const first = samples[0].kb / 1024;
      const peak = Math.max(...samples.map((s) => s.kb)) / 1024;
      max = Math.max(max, peak);
      if (peak > RSS_LIMIT_MB || peak - first > RSS_GROWTH_MB) {
        found.push(
          `${worker} RSS ${first.toFixed(0)} → ${peak.toFixed(0)} MB (bounds ${RSS_LIMIT_MB} MB, +${RSS_GROWTH_MB} MB)`,
        );
      }
    }
    return { violations: examples('memory', found), figures: { maxRssMb: Math.round(max) } };
  },
};

export const sessionsCapped: Invariant = {
  name: 'sessions-capped',
  check(run: RunRecord) {
    const max = Math.max(0, ...run.history.of('sessions').map((s) => s.open));
    const violations = max > SESSION_CAP ? [`${max} upstream sessions open at once (cap ${SESSION_CAP})`] : [];
    return { violations, figures: { maxSessions: max } };
  },
};
