import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';

/** Injection token of this deployment's fleet id (a string; see fleetIdOf). */
export const FLEET_ID = Symbol('FLEET_ID');

/**
 * The id every worker of one deployment shares and other deployments do not: the first 16 hex of
 * SHA-256 over where the registry lives (database host, port and name, or the SQLite file; never
 * the credentials) and the Redis key prefix. Workers of one deployment share both by definition.
 * It goes out in headers, so it carries nothing secret and nothing readable.
 */
export function fleetIdOf(config: Pick<AppConfig, 'database' | 'redisKeyPrefix'>): string {
  return createHash('sha256')
    .update(`${databaseIdentity(config.database)}\0${config.redisKeyPrefix}`)
    .digest('hex')
    .slice(0, 16);
}

function databaseIdentity(database: AppConfig['database']): string {
  if (database.type === 'postgres') {
    try {
      const url = new URL(database.url);
      return `postgres://${url.hostname}:${url.port || '5432'}${url.pathname}`;
    } catch {
      // The config has validated it; should it not parse here, no part of it goes into the id.
      return 'postgres:unparsed';
    }
  }
  // Each in-memory registry is a deployment of its own.
  if (database.path === ':memory:' || database.path === '') return `sqlite:memory:${randomBytes(8).toString('hex')}`;
  return `sqlite:${resolve(database.path)}`;
}
