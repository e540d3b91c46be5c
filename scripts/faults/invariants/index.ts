import type { Invariant } from './invariant';
import { fencedPublish, leaderHoldsLock, oneLeader, oneOwner } from './lock-invariants';
import { failover, release } from './liveness-invariants';
import { pollCadence } from './polling-invariants';
import { memoryBounded, sessionsCapped } from './resource-invariants';
import {
  canary,
  catalogServed,
  decisionLatency,
  exits,
  healthAvailable,
  metadataMonotonic,
  scenarioFindings,
} from './service-invariants';

export type { Invariant, Outcome } from './invariant';

/** Every invariant, checked on every run of every scenario. */
export const INVARIANTS: readonly Invariant[] = [
  oneOwner,
  oneLeader,
  leaderHoldsLock,
  fencedPublish,
  metadataMonotonic,
  failover,
  release,
  decisionLatency,
  pollCadence,
  exits,
  healthAvailable,
  catalogServed,
  canary,
  memoryBounded,
  sessionsCapped,
  scenarioFindings,
];
