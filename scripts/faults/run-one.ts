import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import { classificationKeys } from '@app/classification';
import { Cluster, type ClusterSpec } from './cluster';
import { History } from './history';
import { INVARIANTS } from './invariants';
import { Observer } from './observer';
import { dumpRedis } from './redis-dump';
import { emptyMarks, type RunRecord } from './run-record';
import type { Holds, Scenario, ScenarioContext } from './scenarios';
import type { FaultWorker } from './worker';

export interface Violation {
  invariant: string;
  message: string;
}

export interface RunResult {
  scenario: string;
  run: number;
  violations: Violation[];
  figures: Record<string, number>;
  /** Checks that could not apply, with the reason. */
  skipped: string[];
  ms: number;
  /** The cluster never came up (no result: dist/ being rebuilt, a port taken). */
  startFailed?: boolean;
}

const STEADY_TIMEOUT_MS = 45_000;
const BASELINE_MS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One run of one scenario on a cluster of its own: start, wait for a steady state (a leader,
 * a publish, every upstream polled), observe, inject and undo the fault, check every invariant
 * on the history, and stop everything whatever happened.
 */
export async function runOne(
  scenario: Scenario,
  run: number,
  baseSpec: ClusterSpec,
  holds: Holds,
  historyDir?: string,
): Promise<RunResult> {
  const started = Date.now();
  const history = new History();
  const spec = scenario.cluster ? scenario.cluster(baseSpec) : baseSpec;
  const cluster = new Cluster(spec, history);
  const marks = emptyMarks();
  const harnessSources = new Set<string>();
  let redis: Redis | null = null;
  let observer: Observer | null = null;
  let up = false;
  try {
    await cluster.start();
    up = true;
    redis = new Redis(cluster.redis.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const client = redis;
    client.on('ready', () => harnessSources.add(`${client.stream.localAddress}:${client.stream.localPort}`));
    await waitSteady(cluster, client);
    observer = new Observer(cluster, history);
    await observer.start();
    const from = Date.now();
    await sleep(BASELINE_MS);
    await scenario.run(contextFor(cluster, history, marks, holds, client));
    const to = Date.now();
    await observer.stop();
    observer = null;

    for (const worker of cluster.workers) cluster.canary.scan(`${worker.label} log`, worker.process.output());
    cluster.canary.scan('redis keys and values at the end', await dumpRedis(client));
    const tokens = new Map(cluster.workers.map((w) => [w.label, w.token]));
    if (historyDir) await saveHistory(historyDir, `${scenario.name}-${run}`, history, marks);
    const record: RunRecord = {
      history,
      timing: spec.timing,
      tokens,
      harnessSources,
      marks,
      window: { from, to },
      canaryHits: cluster.canary.hits(),
    };
    const violations: Violation[] = [];
    const figures: Record<string, number> = { ...marks.figures };
    for (const invariant of INVARIANTS) {
      const outcome = invariant.check(record);
      violations.push(...outcome.violations.map((message) => ({ invariant: invariant.name, message })));
      Object.assign(figures, outcome.figures);
    }
    return { scenario: scenario.name, run, violations, figures, skipped: marks.skipped, ms: Date.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      scenario: scenario.name,
      run,
      violations: [{ invariant: 'harness', message: `run aborted: ${message.split('\n')[0]}` }],
      figures: {},
      skipped: [],
      ms: Date.now() - started,
      startFailed: !up,
    };
  } finally {
    await observer?.stop().catch(() => undefined);
    redis?.disconnect();
    await cluster.stop();
  }
}

async function waitSteady(cluster: Cluster, redis: Redis): Promise<void> {
  const keys = classificationKeys();
  const deadline = Date.now() + STEADY_TIMEOUT_MS;
  let missing = 'nothing checked yet';
  while (Date.now() < deadline) {
    try {
      for (const worker of cluster.workers) {
        if (!worker.token) worker.token = (await cluster.admin(worker).classification()).instanceId;
      }
      const holder = await redis.get(keys.leader);
      const unpolled = cluster.upstreams.filter((u) => {
        const m = u.server.stats().methods;
        return !(m['tools/list'] ?? 0) || !(m['ping'] ?? 0);
      });
      if (!cluster.workers.some((w) => w.token === holder)) missing = 'a leader';
      else if ((await redis.get(keys.metadata)) === null) missing = 'a published classification';
      else if (unpolled.length > 0) missing = `polls of ${unpolled.map((u) => u.name).join(', ')}`;
      else return;
    } catch (error) {
      missing = String(error);
    }
    await sleep(200);
  }
  throw new Error(`no steady state within ${STEADY_TIMEOUT_MS} ms (waiting for ${missing})`);
}

function contextFor(
  cluster: Cluster,
  history: History,
  marks: ScenarioContext['marks'],
  holds: Holds,
  redis: Redis,
): ScenarioContext {
  const keys = classificationKeys();
  const holder = async (): Promise<FaultWorker | undefined> => {
    const token = await redis.get(keys.leader).catch(() => null);
    return cluster.workers.find((w) => w.token === token && w.serving);
  };
  return {
    cluster,
    history,
    marks,
    holds,
    redis,
    fault: (action, worker) => history.add({ kind: 'fault', at: Date.now(), action, worker: worker?.label }),
    async leader() {
      const found = await holder();
      if (!found) throw new Error('no serving worker holds the lock');
      return found;
    },
    async waitForLeader(maxMs) {
      const deadline = Date.now() + maxMs;
      while (Date.now() < deadline) {
        if (await holder()) return true;
        await sleep(100);
      }
      return false;
    },
    async waitForExit(worker, maxMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), maxMs)));
      const outcome = await Promise.race([worker.process.exited, late]);
      clearTimeout(timer);
      if (outcome === 'late') await worker.destroy();
    },
    async expectPublishSince(since, what) {
      const stamp = await publishedAt(redis, keys.metadata);
      if (!(stamp >= since - 1_000)) marks.findings.push(`no classification published ${what}`);
    },
    sleep,
  };
}

/** The publish time (ms) of the metadata in Redis, NaN when there is none or it is not the leader's JSON. */
async function publishedAt(redis: Redis, key: string): Promise<number> {
  try {
    const raw = await redis.get(key);
    return raw === null ? NaN : Number((JSON.parse(raw) as { timestamp?: unknown }).timestamp) * 1000;
  } catch {
    return NaN;
  }
}

/** The run's history as JSON lines (marks first), the evidence behind a violation. */
async function saveHistory(
  dir: string,
  name: string,
  history: History,
  marks: ScenarioContext['marks'],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines = [JSON.stringify({ kind: 'marks', ...marks }), ...history.all().map((e) => JSON.stringify(e))];
  await writeFile(join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
}
