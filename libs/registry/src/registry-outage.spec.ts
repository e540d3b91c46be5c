import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TcpFaultProxy } from '../../common/src/testing/tcp-fault-proxy';
import { isRegistryDatabaseReady } from './data-source-factory';
import { registryDataSourceOptions } from './data-source-options';
import { RegistryUnavailableError } from './errors';
import { RegistryDatabaseModule } from './registry-database.module';
import { RegistryModule } from './registry.module';
import { registryMessages as messages } from './registry.messages';
import { isBusy, isDatabaseUnavailable, toUnavailable } from './storage-errors';
import { createPostgresTestDatabase, type TestDatabase } from './testing/test-databases';
import type { RegistryDatabaseConfig } from './types';
import { UpstreamsService } from './upstreams.service';
import { QueryFailedError } from 'typeorm';

const TIMEOUT_MS = 800;
const POOL_MAX = 3;
const MAX_PENDING = 6;

/** Resolves to how long `work` took and how it ended. */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work();
    return { ms: Date.now() - started, error: null };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('registry database limits', () => {
  it('bounds every PostgreSQL wait by timeoutMs and the pool by poolMax', () => {
    const options = registryDataSourceOptions({
      type: 'postgres',
      url: 'postgres://u:p@db:5432/x',
      timeoutMs: 1234,
      poolMax: 7,
    });
    expect(options).toMatchObject({
      type: 'postgres',
      extra: { max: 7, connectionTimeoutMillis: 1234, query_timeout: 1234, statement_timeout: 1234 },
    });
  });

  it('gives SQLite timeoutMs as its busy timeout, and defaults of a few seconds', () => {
    expect(registryDataSourceOptions({ type: 'sqlite', path: 'x.sqlite', timeoutMs: 2500 })).toMatchObject({
      timeout: 2500,
    });
    expect(registryDataSourceOptions({ type: 'sqlite', path: 'x.sqlite' })).toMatchObject({ timeout: 5000 });
    expect(registryDataSourceOptions({ type: 'postgres', url: 'postgres://db/x' })).toMatchObject({
      extra: { max: 10, connectionTimeoutMillis: 5000, query_timeout: 5000, statement_timeout: 5000 },
    });
  });
});

describe('which database errors mean "unavailable"', () => {
  const queryFailed = (driverError: object) => new QueryFailedError('SELECT 1', [], driverError as Error);

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['a connect timeout on a new client', new Error('Connection terminated due to connection timeout')],
    ['query_timeout', queryFailed(new Error('Query read timeout'))],
    ['statement_timeout', queryFailed({ message: 'canceling statement due to statement timeout', code: '57014' })],
    ['a server shutting down', queryFailed({ message: 'terminating connection', code: '57P01' })],
    ['a connection exception', queryFailed({ message: 'connection failure', code: '08006' })],
    ['too many connections', queryFailed({ message: 'sorry, too many clients already', code: '53300' })],
    ['a dropped connection', queryFailed(new Error('Connection terminated unexpectedly'))],
    ['SQLite busy', queryFailed({ message: 'database is locked', code: 'SQLITE_BUSY' })],
  ])('%s is', (_title, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const mapped = toUnavailable(error);
    expect(mapped).toBeInstanceOf(RegistryUnavailableError);
    expect((mapped as Error).message).toBe('registry unavailable');
  });

  it.each([
    ['a unique violation', queryFailed({ message: 'duplicate key', code: '23505' })],
    ['a syntax error', queryFailed({ message: 'syntax error', code: '42601' })],
    ['a plain bug', new TypeError('x is undefined')],
  ])('%s is not, and stays as it is', (_title, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(toUnavailable(error)).toBe(error);
  });

  it('keeps SQLITE_BUSY recognisable for the tool writer to retry', () => {
    expect(isBusy(toUnavailable(queryFailed({ message: 'database is locked', code: 'SQLITE_BUSY' })))).toBe(true);
  });
});

describe('the registry on a PostgreSQL that refuses or hangs (through TcpFaultProxy)', () => {
  let db: TestDatabase;
  let proxy: TcpFaultProxy;
  let app: INestApplication | null = null;

  const config = (): RegistryDatabaseConfig => {
    const url = new URL((db.config as { url: string }).url);
    url.host = `127.0.0.1:${proxy.port}`;
    return { type: 'postgres', url: url.href, timeoutMs: TIMEOUT_MS, poolMax: POOL_MAX, maxPending: MAX_PENDING };
  };

  async function startRegistry(): Promise<{ service: UpstreamsService; dataSource: DataSource }> {
    const moduleRef = await Test.createTestingModule({
      imports: [RegistryDatabaseModule.forRootAsync({ useFactory: config }), RegistryModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { service: app.get(UpstreamsService), dataSource: app.get<DataSource>(getDataSourceToken()) };
  }

  beforeEach(async () => {
    db = await createPostgresTestDatabase();
    const target = new URL((db.config as { url: string }).url);
    proxy = await TcpFaultProxy.start(target.hostname, Number(target.port || 5432));
  });

  afterEach(async () => {
    proxy.setMode('pass');
    await app?.close();
    app = null;
    await proxy.close();
    await db.drop();
  });

  it('a hung database fails a read within the timeout, never holds more than poolMax connections, and sheds work past maxPending at once', async () => {
    const { service } = await startRegistry();
    await service.create({ name: 'alpha', url: 'http://127.0.0.1:9/mcp' });
    proxy.setMode('hang');

    const one = await timed(() => service.list());
    expect(one.error).toBeInstanceOf(RegistryUnavailableError);
    expect((one.error as Error).message).toBe('registry unavailable');
    expect(one.ms).toBeLessThan(TIMEOUT_MS * 2 + 500);

    let maxConnections = 0;
    const sampler = setInterval(() => (maxConnections = Math.max(maxConnections, proxy.connections)), 10);
    const burst = await Promise.all(Array.from({ length: 40 }, () => timed(() => service.list())));
    clearInterval(sampler);
    expect(burst.every((r) => r.error instanceof RegistryUnavailableError)).toBe(true);
    const shed = burst.filter(
      (r) => (r.error as RegistryUnavailableError).reason === messages.tooMuchWork(MAX_PENDING),
    );
    expect(shed).toHaveLength(40 - MAX_PENDING);
    expect(Math.max(...shed.map((r) => r.ms))).toBeLessThan(100);
    expect(Math.max(...burst.map((r) => r.ms))).toBeLessThan(TIMEOUT_MS * 2 + 1000);
    expect(maxConnections).toBeLessThanOrEqual(POOL_MAX);

    proxy.setMode('pass');
    await waitFor('reads again', async () => (await service.list().catch(() => null)) !== null);
    expect((await service.list()).map((u) => u.name)).toEqual(['alpha']);
  });

  it('a refusing database fails at once with "registry unavailable", writes included', async () => {
    const { service } = await startRegistry();
    proxy.setMode('refuse');
    for (const work of [
      () => service.list(),
      () => service.create({ name: 'beta', url: 'http://127.0.0.1:9/mcp' }),
      () => service.listEnabledWithTools(),
    ]) {
      const outcome = await timed(work);
      expect(outcome.error).toBeInstanceOf(RegistryUnavailableError);
      expect((outcome.error as Error).message).toBe('registry unavailable');
      expect(outcome.ms).toBeLessThan(TIMEOUT_MS);
    }
  });

  it('starts without a database that refuses, answers "registry unavailable" at once, and connects once it is back', async () => {
    proxy.setMode('refuse');
    const started = Date.now();
    const { service, dataSource } = await startRegistry();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    expect(isRegistryDatabaseReady(dataSource)).toBe(false);

    const cold = await timed(() => service.list());
    expect(cold.error).toBeInstanceOf(RegistryUnavailableError);
    expect((cold.error as RegistryUnavailableError).reason).toBe(messages.notConnected());
    expect(cold.ms).toBeLessThan(50);

    proxy.setMode('pass');
    await waitFor('the background connection', () => isRegistryDatabaseReady(dataSource));
    await service.create({ name: 'late', url: 'http://127.0.0.1:9/mcp' });
    expect((await service.list()).map((u) => u.name)).toEqual(['late']);
  });
});
