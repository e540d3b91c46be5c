import { canaryEverywhere } from './canary-everywhere';
import { databaseHang, databaseRefuse, termLeaderDatabaseHang } from './database-faults';
import { clockSkew, manyIdentities, sameInstanceId } from './identity-faults';
import { killLeader, pauseLeader, termFollower, termLeader } from './process-faults';
import { clientKillStorm, flushAll, freezeRedis, restartRedis, scriptFlush, termLeaderRedisHang } from './redis-faults';
import type { Scenario } from './scenario';
import { tamperClassificationKeys, tamperPollKeys } from './tamper';

export type { Holds, Scenario, ScenarioContext } from './scenario';

/** Every scenario, in the order `--scenario` all runs them. */
export const SCENARIOS: readonly Scenario[] = [
  killLeader,
  termLeader,
  termFollower,
  pauseLeader,
  freezeRedis,
  restartRedis,
  scriptFlush,
  flushAll,
  clientKillStorm,
  databaseRefuse,
  databaseHang,
  tamperPollKeys,
  tamperClassificationKeys,
  clockSkew,
  sameInstanceId,
  termLeaderRedisHang,
  termLeaderDatabaseHang,
  canaryEverywhere,
  manyIdentities,
];

export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}
