import type { RunResult } from './run-one';
import type { ScenarioSummary } from './runner';

/** The figures shown in the table, in order, with their units. */
const SHOWN: [string, string, (v: number) => string][] = [
  ['failoverMs', 'failover', (v) => `${v} ms`],
  ['releaseMs', 'release', (v) => `${v} ms`],
  ['shutdownMs', 'shutdown', (v) => `${v} ms`],
  ['maxDecisionMs', 'decision', (v) => `${v} ms`],
  ['dualLeaderMs', 'two leaders', (v) => `${v} ms`],
  ['leaderWithoutLockMs', 'leader w/o lock', (v) => `${v} ms`],
  ['maxPollGapMs', 'poll gap', (v) => `${(v / 1000).toFixed(1)} s`],
  ['maxRssMb', 'RSS', (v) => `${v} MB`],
  ['maxSessions', 'sessions', (v) => String(v)],
  ['callsPerSecond', 'calls/s', (v) => String(v)],
];

export function figuresText(figures: Record<string, number>): string {
  return SHOWN.filter(
    ([key]) =>
      figures[key] !== undefined && Number.isFinite(figures[key]) && (figures[key] > 0 || key === 'dualLeaderMs'),
  )
    .map(([key, label, show]) => `${label} ${show(figures[key])}`)
    .join(', ');
}

/** One line per finished run, for progress. */
export function runLine(result: RunResult): string {
  const verdict = result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`;
  const lines = [
    `${result.scenario} #${result.run}: ${verdict} (${(result.ms / 1000).toFixed(0)} s) ${figuresText(result.figures)}`,
  ];
  for (const v of result.violations) lines.push(`    ${v.invariant}: ${v.message}`);
  return lines.join('\n');
}

/** The closing table: scenario, runs, violations, figures, and the invariants each scenario broke. */
export function table(summaries: readonly ScenarioSummary[]): string {
  const rows = summaries.map((s) => [
    s.scenario,
    String(s.runs),
    s.violations === 0
      ? '0'
      : `${s.violations} (${s.failedRuns} run${s.failedRuns === 1 ? '' : 's'}): ${Object.keys(s.broken).join(', ')}`,
    figuresText(s.figures),
  ]);
  const header = ['scenario', 'runs', 'violations', 'figures (worst run)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
