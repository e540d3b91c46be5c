import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { entryPath } from '../build-if-stale';
import { DEFAULT_TIMING, type ClusterTiming } from './cluster';
import { runOne, type RunResult } from './run-one';
import type { Holds, Scenario } from './scenarios';

const START_RETRIES = 2;
const BUILD_WAIT_MS = 180_000;

async function waitForBuild(): Promise<void> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  await delay(5_000);
  while (!existsSync(entryPath()) && Date.now() < deadline) await delay(1_000);
}

export interface FaultOptions {
  scenarios: readonly Scenario[];
  runs: number;
  workers: number;
  timing?: ClusterTiming;
  holds: Holds;
  /** Where to write each run's history (JSON lines), if anywhere. */
  historyDir?: string;
  /** Called with each run's result as soon as it is checked. */
  onRun?: (result: RunResult) => void;
}

/** The long run's holds (`npm run faults`). */
export const LONG_HOLDS: Holds = { databaseOutageMs: 6_000, killStormMs: 5_000, identities: 10_000 };
/** Workers in the short run: fewer processes on a small machine keep the timings honest. */
export const SHORT_RUN_WORKERS = 2;
/** The test suite's short run: shorter outages and fewer identities. */
export const SHORT_HOLDS: Holds = { databaseOutageMs: 3_000, killStormMs: 2_000, identities: 1_000 };

export interface ScenarioSummary {
  scenario: string;
  runs: number;
  /** Runs with at least one violation. */
  failedRuns: number;
  violations: number;
  /** Invariant → one example message. */
  broken: Record<string, string>;
  /** Worst value of each figure over the runs. */
  figures: Record<string, number>;
  results: RunResult[];
}

/** Runs every scenario `runs` times, one fresh cluster per run, and summarizes per scenario. */
export async function runFaults(options: FaultOptions): Promise<ScenarioSummary[]> {
  const spec = { workers: options.workers, timing: options.timing ?? DEFAULT_TIMING };
  const summaries: ScenarioSummary[] = [];
  for (const scenario of options.scenarios) {
    const results: RunResult[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const result = await runStarted(scenario, run, spec, options.holds, options.historyDir);
      options.onRun?.(result);
      results.push(result);
    }
    summaries.push(summarize(scenario.name, results));
  }
  return summaries;
}

/** One run; a cluster that never started is no result (dist/ rebuilt underneath it), so wait and try again. */
export async function runStarted(...args: Parameters<typeof runOne>): Promise<RunResult> {
  let result = await runOne(...args);
  for (let retry = 0; result.startFailed && retry < START_RETRIES; retry++) {
    await waitForBuild();
    result = await runOne(...args);
  }
  return result;
}

export function summarize(scenario: string, results: readonly RunResult[]): ScenarioSummary {
  const broken: Record<string, string> = {};
  const figures: Record<string, number> = {};
  for (const result of results) {
    for (const v of result.violations) broken[v.invariant] ??= v.message;
    for (const [name, value] of Object.entries(result.figures))
      figures[name] = Math.max(figures[name] ?? -Infinity, value);
  }
  return {
    scenario,
    runs: results.length,
    failedRuns: results.filter((r) => r.violations.length > 0).length,
    violations: results.reduce((n, r) => n + r.violations.length, 0),
    broken,
    figures,
    results: [...results],
  };
}
