import { within, type RunRecord } from '../run-record';
import { examples, seconds, type Invariant, type Outcome } from './invariant';
import { WorkerStates } from './worker-states';

const DECISION_BOUND_MS = 1_500;
/** After the database is back, the pool may take a moment to reconnect. */
const DATABASE_RECOVERY_MS = 3_000;

const at = (run: RunRecord, t: number): string => `+${t - run.window.from} ms`;

/** Metadata publish times each worker serves never go backwards (forged values aside). */
export const metadataMonotonic: Invariant = {
  name: 'metadata-monotonic',
  check(run) {
    const forged = new Set(run.marks.forgedMetadataAt);
    const last = new Map<string, number>();
    const found: string[] = [];
    for (const s of run.history.of('classification')) {
      if (typeof s.metadataAt !== 'number' || forged.has(s.metadataAt)) continue;
      const previous = last.get(s.worker);
      if (previous !== undefined && s.metadataAt < previous) {
        found.push(
          `${s.worker} served ${new Date(s.metadataAt).toISOString()} after ${new Date(previous).toISOString()} at ${at(run, s.at)}`,
        );
      }
      last.set(s.worker, Math.max(previous ?? 0, s.metadataAt));
    }
    return { violations: examples('metadata went back', found), figures: {} };
  },
};

/**
 * Every worker that should answer answers /classification (the poll decision's reads) within
 * 1.5 s. While the registry database is out, a prompt 503 ("registry unavailable") is the
 * designed answer: the view lists the registered gateways, which only the database knows.
 */
export const decisionLatency: Invariant = {
  name: 'decision-latency',
  check(run) {
    const states = new WorkerStates(run.history);
    const outages = run.marks.databaseOutages.map((o) => ({ from: o.from, to: o.to + DATABASE_RECOVERY_MS }));
    const found: string[] = [];
    let worst = 0;
    for (const s of run.history.of('classification')) {
      if (!states.serving(s.worker, s.at, s.at + s.ms)) continue;
      worst = Math.max(worst, s.ms);
      const registryOut = s.status === 503 && (within(s.at, outages) || within(s.at + s.ms, outages));
      if ((s.status !== 200 && !registryOut) || s.ms > DECISION_BOUND_MS) {
        found.push(`${s.worker} ${s.status ?? 'no answer'} in ${s.ms} ms at ${at(run, s.at)}`);
      }
    }
    return { violations: examples('slow or failed decision', found), figures: { maxDecisionMs: worst } };
  },
};

/**
 * /health answers 200 whenever the database is reachable, Redis or not (classification fails
 * open, so Redis is not needed to serve); /health/ready answers 200 throughout, database outages
 * included (the catalog's last good copy serves); /health/live always answers 200.
 */
export const healthAvailable: Invariant = {
  name: 'health',
  check(run) {
    const states = new WorkerStates(run.history);
    const outages = run.marks.databaseOutages.map((o) => ({ from: o.from, to: o.to + DATABASE_RECOVERY_MS }));
    const found: string[] = [];
    for (const s of run.history.of('health')) {
      if (!states.serving(s.worker, s.at, s.at + s.ms) || s.status === 200) continue;
      // A sample sent just before the outage may be answered inside it.
      if (s.path === '/health' && (within(s.at, outages) || within(s.at + s.ms, outages))) continue;
      const redisDown = within(s.at, run.marks.redisOutages) ? ' (Redis down)' : '';
      found.push(`${s.worker} ${s.path} ${s.status ?? 'no answer'}${redisDown} at ${at(run, s.at)}`);
    }
    return { violations: examples('health', found), figures: {} };
  },
};

/** tools/list through /mcp serves the registered upstreams' tools, database or not, within 1.5 s. */
export const catalogServed: Invariant = {
  name: 'catalog-served',
  check(run) {
    const states = new WorkerStates(run.history);
    const found: string[] = [];
    for (const s of run.history.of('catalog')) {
      if (!states.serving(s.worker, s.at, s.at + s.ms)) continue;
      if (s.tools === null || s.tools === 0 || s.ms > DECISION_BOUND_MS) {
        const db = within(s.at, run.marks.databaseOutages) ? ' (database down)' : '';
        found.push(
          `${s.worker} ${s.tools === null ? 'failed' : `${s.tools} tools`} in ${s.ms} ms${db} at ${at(run, s.at)}`,
        );
      }
    }
    return { violations: examples('catalog', found), figures: {} };
  },
};

/** No worker exits unless told; one told with SIGTERM exits 0 within SHUTDOWN_GRACE_MS + 1 s. */
export const exits: Invariant = {
  name: 'exits',
  check(run): Outcome {
    const signals = run.history.of('signal');
    const found: string[] = [];
    let worst = 0;
    for (const exit of run.history.of('exit')) {
      const told = signals.some(
        (s) => s.worker === exit.worker && s.at <= exit.at && s.signal !== 'SIGSTOP' && s.signal !== 'SIGCONT',
      );
      if (!told)
        found.push(`${exit.worker} exited by itself (code ${exit.code}, signal ${exit.signal}) at ${at(run, exit.at)}`);
    }
    const bound = run.timing.shutdownGraceMs + 1_000;
    for (const term of signals.filter((s) => s.signal === 'SIGTERM')) {
      const exit = run.history.of('exit').find((e) => e.worker === term.worker && e.at >= term.at);
      const killed = signals.find((s) => s.worker === term.worker && s.signal === 'SIGKILL' && s.at >= term.at);
      const ms = (exit?.at ?? Infinity) - term.at;
      if (Number.isFinite(ms)) worst = Math.max(worst, ms);
      if (!exit || killed || ms > bound || exit.code !== 0) {
        const how =
          !exit || (killed && killed.at <= exit.at)
            ? 'still running, killed'
            : `exit ${exit.code ?? exit.signal} after ${seconds(ms)}`;
        found.push(`${term.worker} after SIGTERM: ${how} (bound ${seconds(bound)}, exit 0)`);
      }
    }
    return { violations: examples('exit', found), figures: worst > 0 ? { shutdownMs: worst } : {} };
  },
};

/** The canary credential shows nowhere: MONITOR, Redis keys and values, logs, API answers. */
export const canary: Invariant = {
  name: 'canary',
  check(run) {
    return {
      violations: examples(
        'canary seen',
        run.canaryHits.map((h) => `${h.where}: …${h.excerpt}…`),
        2,
      ),
      figures: {},
    };
  },
};

/** Scenario-specific checks the scenario made itself. */
export const scenarioFindings: Invariant = {
  name: 'scenario',
  check(run) {
    return { violations: run.marks.findings, figures: {} };
  },
};
