/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios)
 * against a URL and reads its per-scenario checks back.
 *
 * The suite needs Node ≥ 22; it runs under CONFORMANCE_NODE if set, else this Node when it is recent
 * enough, else Node 22 installed from npm under .tools/ (see node22.ts). Each run works in a
 * fresh temporary directory, so no results land in the repository.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { node22 } from './node22';

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

/** One check as the suite writes it to checks.json. */
export interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: CheckStatus;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  /** No check failed (warnings allowed), and the scenario ran to its end. */
  passed: boolean;
  checks: ConformanceCheck[];
  /** `<check id>: <message>` of each failed check, or why the scenario produced no checks. */
  failures: string[];
  /** `<check id>: <message>` of each warning. */
  warnings: string[];
}

export interface ConformanceRun {
  url: string;
  results: ScenarioResult[];
  passed: string[];
  failed: string[];
  durationMs: number;
}

export interface ConformanceRunOptions {
  /** Scenarios to report on; omitted: every server scenario of the suite, pending ones included. */
  scenarios?: readonly string[];
  /** A suite process still running after this is killed and its scenarios fail (default 120 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const SUMMARY_LINE = /^[✓✗] (\S+): (\d+) passed, (\d+) failed$/;
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/** The conformance CLI's entry point. */
export function conformanceCli(): string {
  return join(dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');
}

/** A Node ≥ 22 binary for the suite: CONFORMANCE_NODE when set, else see node22(). */
export async function conformanceNode(): Promise<string> {
  const configured = process.env['CONFORMANCE_NODE'];
  if (!configured) return node22();
  // The suite runs in a temporary directory: a relative path must not change meaning there.
  const binary = resolve(configured);
  if (!existsSync(binary)) {
    throw new Error(`CONFORMANCE_NODE=${configured} does not exist; point it at a Node >= 22 binary`);
  }
  return binary;
}

export async function runConformance(url: string, options: ConformanceRunOptions = {}): Promise<ConformanceRun> {
  const node = await conformanceNode();
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wanted = options.scenarios;
  // One suite process for all: a process per scenario costs more in Node start-up than the scenarios take.
  const selection = wanted?.length === 1 ? ['--scenario', wanted[0]] : ['--suite', 'all'];
  const ran = await runSuite(node, url, selection, timeoutMs, wanted?.length === 1 ? wanted[0] : null);
  const results =
    wanted === undefined
      ? ran
      : wanted.map(
          (scenario) =>
            ran.find((r) => r.scenario === scenario) ?? {
              scenario,
              passed: false,
              checks: [],
              failures: [
                `not a server scenario of this suite version (it ran ${ran.map((r) => r.scenario).join(', ')})`,
              ],
              warnings: [],
            },
        );
  return {
    url,
    results,
    passed: results.filter((r) => r.passed).map((r) => r.scenario),
    failed: results.filter((r) => !r.passed).map((r) => r.scenario),
    durationMs: Date.now() - started,
  };
}

/** A readable list of the failed scenarios and their failed checks, for assertion messages. */
export function describeFailures(run: ConformanceRun, scenarios: readonly string[] = run.failed): string {
  return run.results
    .filter((r) => !r.passed && scenarios.includes(r.scenario))
    .map((r) => `${r.scenario}:\n${r.failures.map((f) => `    - ${f}`).join('\n')}`)
    .join('\n');
}

/** One line per scenario: ✓/✗, name, passed/failed/warning check counts. */
export function describeRun(run: ConformanceRun): string {
  return run.results
    .map((r) => {
      const count = (status: CheckStatus): number => r.checks.filter((c) => c.status === status).length;
      const warnings = count('WARNING') > 0 ? `, ${count('WARNING')} warnings` : '';
      return `${r.passed ? '✓' : '✗'} ${r.scenario}: ${count('SUCCESS')} passed, ${count('FAILURE')} failed${warnings}`;
    })
    .join('\n');
}

/**
 * One suite process. With `scenario` set it runs that scenario alone; otherwise the scenarios are
 * those its closing summary names.
 */
async function runSuite(
  node: string,
  url: string,
  selection: string[],
  timeoutMs: number,
  scenario: string | null,
): Promise<ScenarioResult[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
  try {
    const outputDir = join(workDir, 'results');
    const run = await spawnSuite(
      node,
      [conformanceCli(), 'server', '--url', url, ...selection, '-o', outputDir],
      workDir,
      timeoutMs,
    );
    const checks = await readChecks(outputDir);
    const names = scenario !== null ? [scenario] : summarisedScenarios(run.output);
    if (names.length === 0) {
      throw new Error(`The conformance suite ran no scenario (${run.outcome}):\n${tail(run.output)}`);
    }
    return names.map((name) => toResult(name, checks.get(name), run.outcome, run.output));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

interface SuiteOutput {
  /** How the process ended, for messages. */
  outcome: string;
  output: string;
}

function spawnSuite(node: string, args: string[], cwd: string, timeoutMs: number): Promise<SuiteOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const chunks: string[] = [];
    const keep = (chunk: Buffer): void => {
      chunks.push(chunk.toString('utf8'));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start the conformance suite with ${node}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const outcome = timedOut
        ? `killed after ${timeoutMs} ms`
        : signal !== null
          ? `ended by ${signal}`
          : `exit code ${String(code)}`;
      resolve({ outcome, output: chunks.join('') });
    });
  });
}

async function readChecks(outputDir: string): Promise<Map<string, ConformanceCheck[]>> {
  const found = new Map<string, ConformanceCheck[]>();
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  for (const entry of entries) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    if (scenario === undefined) continue;
    const text = await readFile(join(outputDir, entry, 'checks.json'), 'utf8').catch(() => null);
    if (text !== null) found.set(scenario, JSON.parse(text) as ConformanceCheck[]);
  }
  return found;
}

function summarisedScenarios(output: string): string[] {
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  return summary
    .split('\n')
    .map((line) => SUMMARY_LINE.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);
}

function toResult(
  scenario: string,
  checks: ConformanceCheck[] | undefined,
  outcome: string,
  output: string,
): ScenarioResult {
  if (checks === undefined) {
    return {
      scenario,
      passed: false,
      checks: [],
      failures: [`no checks recorded (suite ${outcome}):\n${tail(output)}`],
      warnings: [],
    };
  }
  const describe = (check: ConformanceCheck): string => `${check.id}: ${check.errorMessage ?? check.description}`;
  const failures = checks.filter((c) => c.status === 'FAILURE').map(describe);
  return {
    scenario,
    passed: failures.length === 0,
    checks,
    failures,
    warnings: checks.filter((c) => c.status === 'WARNING').map(describe),
  };
}

function tail(output: string, lines = 20): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}
