/** Terminal output of the demo: the periodic table and the summary. */

const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;

const paint =
  (code: string) =>
  (text: string): string =>
    useColour ? `\u001b[${code}m${text}\u001b[0m` : text;

export const bold = paint('1');
export const dim = paint('2');
const red = paint('1;31');
const cyan = paint('36');
const green = paint('32');

export interface ServerRow {
  name: string;
  serverClass: 'hot' | 'cold' | null;
  calls: number;
  recentCalls: number;
  /** Tool discoveries the upstream received (its tools/list count). */
  discoveries: number;
  /** Health checks the upstream received (its ping count). */
  healthChecks: number;
  /** Seconds until the next discovery is due; 0 when due now, null when not polled. */
  nextDiscoveryIn: number | null;
}

export interface Snapshot {
  elapsedSeconds: number;
  phase: string;
  recentSeconds: number;
  classifiedAgoSeconds: number | null;
  rows: ServerRow[];
  discoveries: { performed: number; skipped: number; failed: number };
  healthChecks: { performed: number; skipped: number; failed: number };
}

interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
}

const COLUMNS: Column[] = [
  { title: 'server', width: 9, align: 'left' },
  { title: 'class', width: 5, align: 'left' },
  { title: 'calls', width: 6, align: 'right' },
  { title: 'recent', width: 7, align: 'right' },
  { title: 'share', width: 5, align: 'right' },
  { title: 'discoveries', width: 11, align: 'right' },
  { title: 'pings', width: 5, align: 'right' },
  { title: 'next discovery', width: 14, align: 'left' },
];

function cell(text: string, column: Column): string {
  return column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width);
}

/** Pads before colouring, so escape codes never upset the alignment. */
function row(cells: string[], colour: (index: number, padded: string) => string = (_, padded) => padded): string {
  return `  ${cells.map((text, i) => colour(i, cell(text, COLUMNS[i] ?? { title: '', width: 0, align: 'left' }))).join('  ')}`.trimEnd();
}

function classLabel(serverClass: ServerRow['serverClass']): string {
  return serverClass === 'hot' ? 'HOT' : serverClass === 'cold' ? 'cold' : '-';
}

function classColour(serverClass: ServerRow['serverClass'], padded: string): string {
  return serverClass === 'hot' ? red(padded) : serverClass === 'cold' ? cyan(padded) : dim(padded);
}

function due(seconds: number | null): string {
  if (seconds === null) return '-';
  return seconds <= 0 ? 'due now' : `in ${Math.ceil(seconds)}s`;
}

export function renderSnapshot(s: Snapshot): string {
  const totalCalls = s.rows.reduce((sum, r) => sum + r.calls, 0);
  const hot = s.rows.filter((r) => r.serverClass === 'hot').map((r) => r.name);
  const classified =
    s.classifiedAgoSeconds === null
      ? 'not classified yet'
      : `classified ${Math.round(s.classifiedAgoSeconds)}s ago, hot: ${hot.length > 0 ? hot.join(', ') : 'none'}`;
  const lines = [
    '',
    `${bold(`t=${Math.round(s.elapsedSeconds)}s`)}  ${s.phase}  ${dim(`(${classified})`)}`,
    dim(row(COLUMNS.map((c, i) => (i === 3 ? `last ${s.recentSeconds}s` : c.title)))),
  ];
  for (const r of s.rows) {
    const cells = [
      r.name,
      classLabel(r.serverClass),
      String(r.calls),
      String(r.recentCalls),
      totalCalls > 0 ? `${Math.round((100 * r.calls) / totalCalls)}%` : '-',
      String(r.discoveries),
      String(r.healthChecks),
      due(r.nextDiscoveryIn),
    ];
    lines.push(row(cells, (i, padded) => (i === 1 ? classColour(r.serverClass, padded) : padded)));
  }
  const d = s.discoveries;
  lines.push(
    `  discoveries: ${bold(String(d.performed))} performed, ${green(`${d.skipped} skipped`)} (not due)` +
      `${d.failed > 0 ? `, ${d.failed} failed` : ''}   health checks: ${s.healthChecks.performed} performed` +
      `${s.healthChecks.failed > 0 ? `, ${s.healthChecks.failed} failed` : ''}`,
  );
  return lines.join('\n');
}

export interface Summary {
  trafficSeconds: number;
  servers: number;
  intervalSeconds: number;
  coldIntervalSeconds: number;
  callsSent: number;
  callsFailed: number;
  discoveriesPerformed: number;
  discoveriesSeenUpstream: number;
  discoveriesSkipped: number;
  discoveriesFailed: number;
  fixedIntervalDiscoveries: number;
  healthChecks: number;
  gatewayExit: string;
}

export function renderSummary(s: Summary): string {
  const saved = s.fixedIntervalDiscoveries - s.discoveriesPerformed;
  const percent = s.fixedIntervalDiscoveries > 0 ? Math.round((100 * saved) / s.fixedIntervalDiscoveries) : 0;
  const label = (text: string): string => `  ${text.padEnd(24)}`;
  const seen = s.discoveriesSeenUpstream === s.discoveriesPerformed ? 'all' : String(s.discoveriesSeenUpstream);
  return [
    '',
    bold(
      `Summary: ${Math.round(s.trafficSeconds)}s of traffic over ${s.servers} upstreams ` +
        `(discovery every ${s.intervalSeconds}s when hot, every ${s.coldIntervalSeconds}s when cold)`,
    ),
    `${label('tool calls')}${s.callsSent} through /mcp (${(s.callsSent / Math.max(1, s.trafficSeconds)).toFixed(0)}/s)` +
      `${s.callsFailed > 0 ? `, ${s.callsFailed} failed` : ', none failed'}`,
    `${label('tool discoveries')}${bold(String(s.discoveriesPerformed))} performed (${seen} seen by the upstreams)` +
      `${s.discoveriesFailed > 0 ? `, ${s.discoveriesFailed} failed` : ''}`,
    `${label('')}${s.discoveriesSkipped} checks found the server not yet due (one per server per discovery round)`,
    `${label('fixed-interval polling')}every ${s.intervalSeconds}s would have made ${s.fixedIntervalDiscoveries}: ` +
      // Before the first classification every round polls every server, so a very short run can cost more.
      (saved >= 0 ? green(`${saved} saved (${percent}%)`) : `${-saved} fewer than the gateway made`),
    `${label('health checks')}${s.healthChecks} performed, none skipped (they never are)`,
    `${label('gateway')}${s.gatewayExit}`,
  ].join('\n');
}
