import type Redis from 'ioredis';
import type { Cluster, ClusterSpec } from '../cluster';
import type { History } from '../history';
import type { Marks } from '../run-record';
import type { FaultWorker } from '../worker';

/** How long faults are held: short for the test suite, long for `npm run faults`. */
export interface Holds {
  /** How long a database outage lasts. */
  databaseOutageMs: number;
  /** How long the CLIENT KILL storm lasts. */
  killStormMs: number;
  /** Client identities in the identities scenario. */
  identities: number;
}

/** What a scenario works with: the cluster, a Redis connection of the harness's own, and where to note what it did. */
export interface ScenarioContext {
  cluster: Cluster;
  history: History;
  marks: Marks;
  holds: Holds;
  /** The harness's own Redis connection (its writes are faults, not the workers'). */
  redis: Redis;
  /** Records a fault action in the history. */
  fault(action: string, worker?: FaultWorker): void;
  /** The worker holding the lock now (throws when none does). */
  leader(): Promise<FaultWorker>;
  /** Waits until some worker holds the lock, up to `maxMs`; false when none did. */
  waitForLeader(maxMs: number): Promise<boolean>;
  /** Waits for a worker told to stop to exit, up to `maxMs` (then it is killed). */
  waitForExit(worker: FaultWorker, maxMs: number): Promise<void>;
  /** Adds a finding unless a leader published classification metadata at or after `since`. */
  expectPublishSince(since: number, what: string): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface Scenario {
  name: string;
  /** One line for the report and the README. */
  summary: string;
  /** Cluster variations (shared INSTANCE_ID, clock offsets). */
  cluster?: (spec: ClusterSpec) => ClusterSpec;
  /** Injects the fault and undoes it (in `finally`), then waits long enough for the checks to see the outcome. */
  run(ctx: ScenarioContext): Promise<void>;
}
