import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';

/** The server e2e specs create their PostgreSQL databases on. */
export const E2E_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/test';
export const E2E_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A database of one spec file's own, as a DATABASE_URL, and how to throw it away. */
export interface E2eDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

export async function createSqliteDatabase(): Promise<E2eDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'gateway.sqlite')}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL database, dropped (with any connection left) by `drop`. */
export async function createPostgresDatabase(): Promise<E2eDatabase> {
  const name = `gw_e2e_${randomBytes(6).toString('hex')}`;
  await withAdminConnection((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(E2E_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.href,
    drop: () => withAdminConnection((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

export function createDatabase(kind: E2eDatabase['kind']): Promise<E2eDatabase> {
  return kind === 'sqlite' ? createSqliteDatabase() : createPostgresDatabase();
}

async function withAdminConnection<T>(work: (admin: DataSource) => Promise<T>): Promise<T> {
  const admin = await new DataSource({ type: 'postgres', url: E2E_POSTGRES_URL, logging: false }).initialize();
  try {
    return await work(admin);
  } finally {
    await admin.destroy();
  }
}

/**
 * A key prefix of one test's own on the shared Redis, and a client to look under it. Other
 * suites use the same Redis, so cleanup deletes this prefix's keys only (never FLUSHDB).
 */
export class RedisNamespace {
  readonly prefix = `e2e-${randomBytes(6).toString('hex')}`;
  readonly redis = new Redis(E2E_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });

  get leaderKey(): string {
    return `${this.prefix}:server_classification:leader`;
  }

  async keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 500);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found.sort();
  }

  /** Every key under the prefix with its value, whatever its type, as one text to search. */
  async dump(): Promise<string> {
    const lines: string[] = [];
    for (const key of await this.keys()) {
      lines.push(`${key} = ${JSON.stringify(await this.valueOf(key))}`);
    }
    return lines.join('\n');
  }

  async close(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.redis.del(...keys);
    this.redis.disconnect();
  }

  private async valueOf(key: string): Promise<unknown> {
    switch (await this.redis.type(key)) {
      case 'string':
        return this.redis.get(key);
      case 'set':
        return this.redis.smembers(key);
      case 'hash':
        return this.redis.hgetall(key);
      case 'list':
        return this.redis.lrange(key, 0, -1);
      case 'zset':
        return this.redis.zrange(key, 0, -1, 'WITHSCORES');
      default:
        return null;
    }
  }
}
