/**
 * `npm run faults`: Jepsen-style fault runs against real gateway workers.
 *
 *   npm run faults -- [--scenario kill-leader,flushall] [--runs 20] [--workers 3] [--short] [--json] [--no-build]
 *                     [--history <dir>]
 *
 * dist/ is rebuilt first when stale (`--no-build` runs the dist/ there is). `--history` writes
 * each run's history as JSON lines, the evidence behind a violation.
 *
 * Prints a line per run, then a table per scenario; exits 1 when any invariant was violated.
 */
import { buildIfStale } from '../build-if-stale';
import { runLine, table } from './report';
import { LONG_HOLDS, runFaults, SHORT_HOLDS, SHORT_RUN_WORKERS } from './runner';
import { SCENARIOS, scenarioNamed } from './scenarios';

interface Args {
  scenarios: string[];
  runs: number;
  workers: number;
  short: boolean;
  json: boolean;
  build: boolean;
  historyDir?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const count = (flag: string, fallback: number, min: number): number => {
    const raw = value(flag);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}`);
    return n;
  };
  const names = value('--scenario');
  return {
    scenarios: names === undefined || names === 'all' ? SCENARIOS.map((s) => s.name) : names.split(','),
    runs: count('--runs', 1, 1),
    workers: count('--workers', argv.includes('--short') ? SHORT_RUN_WORKERS : 3, 2),
    short: argv.includes('--short'),
    json: argv.includes('--json'),
    build: !argv.includes('--no-build'),
    historyDir: value('--history'),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const scenarios = args.scenarios.map(scenarioNamed);
  if (args.build) buildIfStale(`${__dirname}/../..`);
  const log = (text: string): void => {
    (args.json ? process.stderr : process.stdout).write(`${text}\n`);
  };
  const summaries = await runFaults({
    scenarios,
    runs: args.runs,
    workers: args.workers,
    holds: args.short ? SHORT_HOLDS : LONG_HOLDS,
    historyDir: args.historyDir,
    onRun: (result) => log(runLine(result)),
  });
  if (args.json) process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  else log(`\n${table(summaries)}`);
  return summaries.some((s) => s.violations > 0) ? 1 : 0;
}

// Interrupted: exit through process.exit, whose handlers kill the workers and redis-servers started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
