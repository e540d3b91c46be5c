import { DataSource } from 'typeorm';
import { TcpFaultProxy } from '@app/common/testing/tcp-fault-proxy';
import { closeRegistryDataSource } from './data-source-close';
import { registryDataSourceOptions } from './data-source-options';
import { createPostgresTestDatabase, createSqliteTestDatabase, type TestDatabase } from './testing/test-databases';

describe('closeRegistryDataSource', () => {
  let database: TestDatabase;
  let proxy: TcpFaultProxy | undefined;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await database.drop();
  });

  it('closes a PostgreSQL DataSource cleanly when the database answers', async () => {
    database = await createPostgresTestDatabase();
    const dataSource = await new DataSource(registryDataSourceOptions(database.config)).initialize();
    await expect(closeRegistryDataSource(dataSource, 1_000)).resolves.toBe('closed');
    expect(dataSource.isInitialized).toBe(false);
  });

  it('drops the connections of a hung PostgreSQL within its time, so the close completes', async () => {
    database = await createPostgresTestDatabase();
    if (database.config.type !== 'postgres') throw new Error('expected PostgreSQL');
    const server = new URL(database.config.url);
    proxy = await TcpFaultProxy.start(server.hostname, Number(server.port || 5432));
    const throughProxy = new URL(database.config.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const dataSource = await new DataSource(
      registryDataSourceOptions({ type: 'postgres', url: throughProxy.href }),
    ).initialize();
    await dataSource.query('SELECT 1');

    proxy.setMode('hang');
    // A query on a live connection and two that wait for new ones: all hang with the database.
    const stuck = [1, 2, 3].map((n) => dataSource.query(`SELECT ${n}`).catch((error: unknown) => error));
    await new Promise((r) => setTimeout(r, 100));

    const started = Date.now();
    const outcome = await closeRegistryDataSource(dataSource, 400);
    const ms = Date.now() - started;

    expect(outcome).toBe('forced');
    // It returns at all; the margin is for a loaded machine.
    expect(ms).toBeLessThan(5_000);
    expect(dataSource.isInitialized).toBe(false);
    for (const result of await Promise.all(stuck)) expect(result).toBeInstanceOf(Error);
  });

  it('closes SQLite at once (no sockets to drop)', async () => {
    database = await createSqliteTestDatabase();
    const dataSource = await new DataSource(registryDataSourceOptions(database.config)).initialize();
    await expect(closeRegistryDataSource(dataSource, 100)).resolves.toBe('closed');
    await expect(closeRegistryDataSource(dataSource, 100)).resolves.toBe('closed');
  });
});
