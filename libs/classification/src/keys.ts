import { createHash } from 'node:crypto';
import type { PollType } from './types';

export const DEFAULT_KEY_PREFIX = 'mcpgateway';

/** The Redis key names of DESIGN.md's wire contract, shared with the seed's workers. */
export interface ClassificationKeys {
  hot: string;
  cold: string;
  metadata: string;
  timestamp: string;
  leader: string;
  pollState(url: string, pollType: PollType, gatewayId?: string): string;
  /** A worker's claim on the next poll (held for the poll's lease); not in the seed, which ignores it. */
  pollClaim(url: string, pollType: PollType, gatewayId?: string): string;
  /** The set of workers (by `workerKeyId`) that published a usage summary. */
  usageWorkers: string;
  /** Prefix of each worker's usage summary key; the worker's `workerKeyId` follows it. */
  usagePrefix: string;
}

export function classificationKeys(prefix: string = DEFAULT_KEY_PREFIX): ClassificationKeys {
  const base = `${prefix}:server_classification`;
  return {
    hot: `${base}:hot`,
    cold: `${base}:cold`,
    metadata: `${base}:metadata`,
    timestamp: `${base}:timestamp`,
    leader: `${base}:leader`,
    pollState: (url, pollType, gatewayId) =>
      `${prefix}:server_poll_state:${pollScopeHash(url, gatewayId)}:last_${pollType}`,
    pollClaim: (url, pollType, gatewayId) =>
      `${prefix}:server_poll_state:${pollScopeHash(url, gatewayId)}:claim_${pollType}`,
    usageWorkers: `${prefix}:server_usage:workers`,
    usagePrefix: `${prefix}:server_usage:w:`,
  };
}

/** A worker's name in key names: 32 hex chars of SHA-256 of its instance id (which may hold any text). */
export function workerKeyId(instanceId: string): string {
  return createHash('sha256').update(instanceId, 'utf8').digest('hex').slice(0, 32);
}

/**
 * First 32 hex chars of SHA-256 of `url + "\0" + gatewayId` (of `url` alone without an id),
 * so gateways sharing one upstream keep separate schedules and no URL appears in a key name.
 */
export function pollScopeHash(url: string, gatewayId?: string): string {
  const scope = gatewayId ? `${url}\0${gatewayId}` : url;
  return createHash('sha256').update(scope, 'utf8').digest('hex').slice(0, 32);
}
