import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { RegistryDatabaseConfig } from '../types';

/** A database of its own for one test file, and how to throw it away. */
export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  config: RegistryDatabaseConfig;
  drop(): Promise<void>;
}

/** The server tests create their databases on (trust auth on loopback). */
export const TEST_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/test';

/** A SQLite file in a fresh temporary directory (a nested, not yet existing one). */
export async function createSqliteTestDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-'));
  return {
    kind: 'sqlite',
    config: { type: 'sqlite', path: join(dir, 'nested', 'registry.sqlite') },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A freshly created PostgreSQL database, so parallel test files never share tables. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const name = `reg_${randomBytes(6).toString('hex')}`;
  await withAdminConnection((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    config: { type: 'postgres', url: url.href },
    drop: () => withAdminConnection((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

export function createTestDatabase(kind: TestDatabase['kind']): Promise<TestDatabase> {
  return kind === 'sqlite' ? createSqliteTestDatabase() : createPostgresTestDatabase();
}

async function withAdminConnection<T>(work: (admin: DataSource) => Promise<T>): Promise<T> {
  const admin = await new DataSource({ type: 'postgres', url: TEST_POSTGRES_URL, logging: false }).initialize();
  try {
    return await work(admin);
  } finally {
    await admin.destroy();
  }
}
