import type { ClusterTiming } from './cluster';
import type { History } from './history';

/** A span of time, ms since the epoch; `to` is Infinity while it lasts. */
export interface Span {
  from: number;
  to: number;
}

/**
 * What a scenario tells the checkers beyond the raw history: which moments its faults began
 * and ended, so liveness bounds can be measured from them.
 */
export interface Marks {
  /** The leader was killed or frozen here: another worker must take over within TTL + interval. */
  leaderLost: { at: number; token: string }[];
  /** SIGTERM to the leader here: the lock must be released within 1 s. */
  leaderTerminated: { at: number; token: string }[];
  /** A fault on Redis ended here: a leader must hold the lock again within TTL + interval. */
  redisRecovered: number[];
  /** Redis lost all its data here (restart, FLUSHALL). */
  redisReset: number[];
  /** Redis could not answer (down or frozen). */
  redisOutages: Span[];
  /** The database could not answer (proxy refusing or hanging). */
  databaseOutages: Span[];
  /** Leadership must stay with this token throughout (faults that are not the leader's). */
  leaderKept: { token: string; span: Span }[];
  /** Metadata timestamps (epoch ms) the harness itself wrote; not the leader's publishes. */
  forgedMetadataAt: number[];
  /** Upstreams whose polls the harness cannot count for a while (their requests refused before the upstream). */
  unobservedPolls: { upstream: string; span: Span }[];
  /** Scenario-specific findings (a check the scenario itself made). */
  findings: string[];
  /** Scenario figures to report beside the checks' own. */
  figures: Record<string, number>;
  /** Checks that do not apply in this scenario, with the reason. */
  skipped: string[];
}

export function emptyMarks(): Marks {
  return {
    leaderLost: [],
    leaderTerminated: [],
    redisRecovered: [],
    redisReset: [],
    redisOutages: [],
    databaseOutages: [],
    leaderKept: [],
    forgedMetadataAt: [],
    unobservedPolls: [],
    findings: [],
    figures: {},
    skipped: [],
  };
}

/** Everything a checker reads about one run. */
export interface RunRecord {
  history: History;
  timing: ClusterTiming;
  /** Worker label → lock token. */
  tokens: ReadonlyMap<string, string>;
  /** Client addresses of the harness's own Redis connections (their writes are the faults). */
  harnessSources: ReadonlySet<string>;
  marks: Marks;
  /** Observation window: checks look at what happened inside it. */
  window: Span;
  canaryHits: { where: string; excerpt: string }[];
}

export const within = (at: number, spans: readonly Span[], slackMs = 0): boolean =>
  spans.some((s) => at >= s.from - slackMs && at <= s.to + slackMs);
