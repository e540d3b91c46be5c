import type { RunRecord } from '../run-record';
import { examples, seconds, type Invariant } from './invariant';

/** Rounds come ten times an interval (apps/gateway/src/polling/round-timing.ts). */
const ROUNDS_PER_INTERVAL = 10;
const SLACK_MS = 1_000;

/**
 * The longest a poll may be suppressed: the class interval stretched by the jitter, one round
 * period, a claim lease left by a worker that died holding it, and a second of slack.
 */
export function pollGapBoundMs(run: RunRecord, pollType: 'health' | 'tool_discovery'): number {
  const t = run.timing;
  const base = pollType === 'health' ? t.healthIntervalSeconds : t.intervalSeconds;
  const interval = pollType === 'health' ? base : base * t.coldMultiplier;
  const period = (base * 1000) / ROUNDS_PER_INTERVAL;
  const lease = Math.max(period, 3 * t.upstreamTimeoutMs);
  return interval * 1000 * (1 + t.pollJitter) + period + lease + SLACK_MS;
}

/** Every upstream is health-checked and discovered at least once per designed interval, whatever is stored in Redis. */
export const pollCadence: Invariant = {
  name: 'poll-cadence',
  check(run) {
    const found: string[] = [];
    let worst = 0;
    const polls = run.history.of('poll');
    const upstreams = [...new Set(polls.map((p) => p.upstream))];
    for (const pollType of ['health', 'tool_discovery'] as const) {
      const bound = pollGapBoundMs(run, pollType);
      for (const upstream of upstreams) {
        const times = polls.filter((p) => p.upstream === upstream && p.pollType === pollType).map((p) => p.at);
        const edges = [
          run.window.from,
          ...times.filter((t) => t > run.window.from && t < run.window.to),
          run.window.to,
        ];
        const blind = run.marks.unobservedPolls.filter((u) => u.upstream === upstream).map((u) => u.span);
        for (let i = 1; i < edges.length; i++) {
          const gap = edges[i] - edges[i - 1];
          if (blind.some((b) => b.from < edges[i] && edges[i - 1] < b.to)) continue;
          worst = Math.max(worst, gap);
          if (gap > bound)
            found.push(
              `${upstream} ${pollType} not polled for ${seconds(gap)} from +${edges[i - 1] - run.window.from} ms (bound ${seconds(bound)})`,
            );
        }
      }
    }
    return { violations: examples('poll suppressed', found), figures: { maxPollGapMs: worst } };
  },
};
