import { DataSource, type DataSourceOptions } from 'typeorm';
import { createRegistryDataSource } from './data-source-factory';
import { registryDataSourceOptions } from './data-source-options';
import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { CreateRegistry1767225600000 } from './migrations/1767225600000-create-registry';
import { AddUpstreamPollingOverrides1767312000000 } from './migrations/1767312000000-add-upstream-polling-overrides';
import { AddUpstreamSecretPath1767398400000 } from './migrations/1767398400000-add-upstream-secret-path';
import { REGISTRY_MIGRATIONS } from './registry-schema';
import { createTestDatabase, type TestDatabase } from './testing/test-databases';

describe.each(['sqlite', 'postgres'] as const)('registry database on %s', (kind) => {
  let db: TestDatabase;
  const open: DataSource[] = [];

  const start = async (): Promise<DataSource> => {
    const dataSource = await createRegistryDataSource(registryDataSourceOptions(db.config));
    open.push(dataSource);
    return dataSource;
  };

  /** A registry as an earlier release left it: only the migrations given. */
  const startRelease = async (migrations: NonNullable<DataSourceOptions['migrations']>): Promise<DataSource> => {
    const dataSource = await createRegistryDataSource({ ...registryDataSourceOptions(db.config), migrations });
    open.push(dataSource);
    return dataSource;
  };
  /** A registry as the first release left it: the first migration only. */
  const startFirstRelease = (): Promise<DataSource> => startRelease([CreateRegistry1767225600000]);
  /** A registry as the release before secret paths left it. */
  const startOverridesRelease = (): Promise<DataSource> =>
    startRelease([CreateRegistry1767225600000, AddUpstreamPollingOverrides1767312000000]);

  const columnsOf = async (dataSource: DataSource, table: string): Promise<string[]> => {
    const runner = dataSource.createQueryRunner();
    try {
      return ((await runner.getTable(table))?.columns ?? []).map((c) => c.name).sort();
    } finally {
      await runner.release();
    }
  };

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });

  afterEach(async () => {
    for (const dataSource of open.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  });

  it('builds the schema from migrations, never from synchronize', () => {
    const options = registryDataSourceOptions(db.config);
    expect(options).toMatchObject({ synchronize: false, migrationsRun: true });
    expect(options.logging).toEqual(['warn', 'migration']);
  });

  it('creates the gateways and tools tables, their unique indexes and the cascading foreign key at start', async () => {
    const dataSource = await start();
    const runner = dataSource.createQueryRunner();
    try {
      const gateways = await runner.getTable('gateways');
      const tools = await runner.getTable('tools');
      expect(gateways?.columns.map((c) => c.name).sort()).toEqual(
        [
          'connectionUrl',
          'createdAt',
          'enabled',
          'hasCredentials',
          'id',
          'lastHealthAt',
          'lastHealthError',
          'lastHealthOk',
          'lastSeenAt',
          'name',
          'transport',
          'updatedAt',
          'url',
          'pin',
          'discoveryIntervalSeconds',
          'secretPath',
          'healthFailures',
          'mcpFeatures',
        ].sort(),
      );
      expect(gateways?.indices.find((i) => i.name === 'UQ_gateways_name')).toMatchObject({
        isUnique: true,
        columnNames: ['name'],
      });
      expect(tools?.indices.find((i) => i.name === 'UQ_tools_gateway_name')).toMatchObject({
        isUnique: true,
        columnNames: ['gatewayId', 'name'],
      });
      expect(tools?.foreignKeys).toEqual([
        expect.objectContaining({ columnNames: ['gatewayId'], referencedTableName: 'gateways', onDelete: 'CASCADE' }),
      ]);
    } finally {
      await runner.release();
    }
  });

  it('records each migration once and does not run them again at the next start', async () => {
    await (await start()).destroy();
    const again = await start();
    expect(await again.showMigrations()).toBe(false);
    const rows: unknown[] = await again.query('SELECT * FROM migrations');
    expect(rows).toHaveLength(REGISTRY_MIGRATIONS.length);
  });

  it('lets two workers start on a fresh database at the same time (each migration runs once)', async () => {
    const [first, second] = await Promise.all([start(), start()]);
    const rows: unknown[] = await first.query('SELECT * FROM migrations');
    expect(rows).toHaveLength(REGISTRY_MIGRATIONS.length);
    expect(await second.getRepository(Gateway).count()).toBe(0);
  });

  it('adds the polling overrides to a database of the first release, keeping its rows, which read as no override', async () => {
    const old = await startFirstRelease();
    const id = '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f';
    await old.query(
      `INSERT INTO "gateways" ("id", "name", "url", "connectionUrl", "hasCredentials", "transport", "enabled")
       VALUES ('${id}', 'old', 'https://up.example/mcp', 'https://up.example/mcp', false, 'sse', true)`,
    );
    await old.query(
      `INSERT INTO "tools" ("id", "gatewayId", "name", "inputSchema")
       VALUES ('3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e60', '${id}', 'echo', '{"type":"object"}')`,
    );
    expect(await columnsOf(old, 'gateways')).not.toContain('pin');
    await old.destroy();

    const upgraded = await start();
    expect(await columnsOf(upgraded, 'gateways')).toEqual(expect.arrayContaining(['pin', 'discoveryIntervalSeconds']));
    expect(await upgraded.getRepository(Gateway).findOneByOrFail({ id })).toMatchObject({
      name: 'old',
      transport: 'sse',
      pin: null,
      discoveryIntervalSeconds: null,
    });
    expect(await upgraded.getRepository(Tool).findBy({ gatewayId: id })).toEqual([
      expect.objectContaining({ name: 'echo' }),
    ]);
  });

  it('reverts the overrides migration to the first release schema, keeping the rows', async () => {
    const dataSource = await start();
    await dataSource.getRepository(Gateway).insert({
      id: '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f',
      name: 'pinned',
      url: 'https://up.example/mcp',
      connectionUrl: 'https://up.example/mcp',
      transport: 'streamablehttp',
      createdAt: new Date(),
      updatedAt: new Date(),
      pin: 'hot',
      discoveryIntervalSeconds: 60,
    });
    // The MCP features, health-failures and secret-path migrations come off first, then the overrides.
    await dataSource.undoLastMigration();
    await dataSource.undoLastMigration();
    await dataSource.undoLastMigration();
    await dataSource.undoLastMigration();
    const columns = await columnsOf(dataSource, 'gateways');
    expect(columns).not.toContain('pin');
    expect(columns).not.toContain('discoveryIntervalSeconds');
    const rows: { name: string }[] = await dataSource.query('SELECT "name" FROM "gateways"');
    expect(rows).toEqual([{ name: 'pinned' }]);
  });

  it('adds secretPath to a database of the previous release; its rows read with the option off and keep their URL', async () => {
    const old = await startOverridesRelease();
    const id = '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f';
    await old.query(
      `INSERT INTO "gateways" ("id", "name", "url", "connectionUrl", "hasCredentials", "transport", "enabled", "pin")
       VALUES ('${id}', 'old', 'https://up.example/v1/KEY123/mcp', 'https://up.example/v1/KEY123/mcp', false, 'streamablehttp', true, 'hot')`,
    );
    expect(await columnsOf(old, 'gateways')).not.toContain('secretPath');
    await old.destroy();

    const upgraded = await start();
    expect(await columnsOf(upgraded, 'gateways')).toContain('secretPath');
    expect(await upgraded.getRepository(Gateway).findOneByOrFail({ id })).toMatchObject({
      name: 'old',
      url: 'https://up.example/v1/KEY123/mcp',
      secretPath: false,
      pin: 'hot',
    });
    // A row written without the column (an older worker of a mixed fleet) gets it off, too.
    await upgraded.query(
      `INSERT INTO "gateways" ("id", "name", "url", "connectionUrl", "transport", "enabled")
       VALUES ('3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e60', 'older', 'https://up.example/', 'https://up.example/', 'sse', true)`,
    );
    expect(
      (await upgraded.getRepository(Gateway).findOneByOrFail({ id: '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e60' }))
        .secretPath,
    ).toBe(false);
  });

  it('reverts the secret path migration to the previous schema, keeping the rows', async () => {
    const dataSource = await start();
    await dataSource.getRepository(Gateway).insert({
      id: '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f',
      name: 'hidden',
      url: 'https://up.example/path-sha256-00000000000000000000000000000000',
      connectionUrl: 'https://up.example/v1/KEY123/mcp',
      secretPath: true,
      transport: 'streamablehttp',
      createdAt: new Date(),
      updatedAt: new Date(),
      pin: 'cold',
    });
    await dataSource.undoLastMigration();
    expect(await columnsOf(dataSource, 'gateways')).not.toContain('mcpFeatures');
    await dataSource.undoLastMigration();
    expect(await columnsOf(dataSource, 'gateways')).not.toContain('healthFailures');
    await dataSource.undoLastMigration();
    const columns = await columnsOf(dataSource, 'gateways');
    expect(columns).not.toContain('secretPath');
    expect(columns).toContain('pin');
    const rows: { name: string; pin: string }[] = await dataSource.query('SELECT "name", "pin" FROM "gateways"');
    expect(rows).toEqual([{ name: 'hidden', pin: 'cold' }]);
  });

  it('adds the MCP features columns to a database of the previous release; its rows read as not discovered yet', async () => {
    const old = await startRelease([
      CreateRegistry1767225600000,
      AddUpstreamPollingOverrides1767312000000,
      AddUpstreamSecretPath1767398400000,
    ]);
    const id = '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f';
    await old.query(
      `INSERT INTO "gateways" ("id", "name", "url", "connectionUrl", "hasCredentials", "transport", "enabled")
       VALUES ('${id}', 'old', 'https://up.example/mcp', 'https://up.example/mcp', false, 'streamablehttp', true)`,
    );
    await old.query(
      `INSERT INTO "tools" ("id", "gatewayId", "name", "description", "inputSchema")
       VALUES ('3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e61', '${id}', 'echo', null, '{}')`,
    );
    await old.destroy();

    const upgraded = await start();
    expect(await columnsOf(upgraded, 'gateways')).toContain('mcpFeatures');
    const [gateway]: { mcpFeatures: string | null }[] = await upgraded.query('SELECT "mcpFeatures" FROM "gateways"');
    const [tool]: { name: string; definition: string | null }[] = await upgraded.query(
      'SELECT "name", "definition" FROM "tools"',
    );
    expect(gateway).toEqual({ mcpFeatures: null });
    expect(tool).toEqual({ name: 'echo', definition: null });

    await upgraded.undoLastMigration();
    expect(await columnsOf(upgraded, 'gateways')).not.toContain('mcpFeatures');
    expect(await columnsOf(upgraded, 'tools')).not.toContain('definition');
    expect(await upgraded.query('SELECT "name" FROM "tools"')).toEqual([{ name: 'echo' }]);
  });

  it('reverts its migrations cleanly', async () => {
    const dataSource = await start();
    for (let i = 0; i < REGISTRY_MIGRATIONS.length; i += 1) await dataSource.undoLastMigration();
    const runner = dataSource.createQueryRunner();
    try {
      expect(await runner.hasTable('gateways')).toBe(false);
      expect(await runner.hasTable('tools')).toBe(false);
    } finally {
      await runner.release();
    }
  });

  it('logs no query and no query parameter, not even of a failing query', async () => {
    const printed: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      });
    const spies = [capture(process.stdout), capture(process.stderr)];
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest
        .spyOn(console, level)
        .mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
    );
    try {
      const dataSource = await start();
      const row = {
        id: '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f',
        name: 'dup',
        url: 'https://up.example/mcp',
        connectionUrl: 'https://up.example/mcp?api_key=CANARY123',
        hasCredentials: true,
        transport: 'streamablehttp' as const,
        enabled: true,
        createdAt: new Date(),
        updatedAt: new Date(),
      };
      await dataSource.getRepository(Gateway).insert(row);
      await expect(
        dataSource.getRepository(Gateway).insert({ ...row, id: '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e60' }),
      ).rejects.toThrow();
    } finally {
      for (const spy of [...spies, ...consoleSpies]) spy.mockRestore();
    }
    expect(printed.join('\n')).not.toContain('CANARY123');
  });

  if (kind === 'sqlite') {
    it('creates the parent directory of the file and runs in WAL mode with a busy timeout', async () => {
      const dataSource = await start();
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA busy_timeout')).toEqual([{ timeout: 5000 }]);
      expect(await dataSource.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    });
  }
});
