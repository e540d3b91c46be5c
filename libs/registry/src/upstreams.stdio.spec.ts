import type { TestingModule } from '@nestjs/testing';
import { InvalidUpstreamUrlError } from './errors';
import { openTestRegistry } from './testing/registry-test-module';
import { createTestDatabase, type TestDatabase } from './testing/test-databases';
import { UpstreamsService } from './upstreams.service';

describe.each(['sqlite', 'postgres'] as const)('stdio upstreams in the registry on %s', (kind) => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let service: UpstreamsService;

  const open = async (): Promise<void> => {
    moduleRef = await openTestRegistry(db);
    service = moduleRef.get(UpstreamsService);
  };

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await open();
  });

  afterEach(async () => {
    await moduleRef.close();
    await db.drop();
  });

  it('stores stdio:<name> with the stdio transport, its URL as its identity, across a restart', async () => {
    const created = await service.create({ name: 'everything', url: 'stdio:everything' });
    expect(created).toMatchObject({ url: 'stdio:everything', transport: 'stdio', hasCredentials: false });
    await moduleRef.close();
    await open();
    expect(await service.getTarget(created.id)).toMatchObject({
      url: 'stdio:everything',
      connectionUrl: 'stdio:everything',
      transport: 'stdio',
    });
    expect((await service.listEnabledTargets()).map((t) => t.url)).toEqual(['stdio:everything']);
  });

  it('keeps a stdio URL and the stdio transport together on create and update', async () => {
    await expect(service.create({ name: 'a', url: 'stdio:a', transport: 'sse' })).rejects.toThrow(
      new InvalidUpstreamUrlError('stdio:<name> needs transport "stdio"'),
    );
    await expect(service.create({ name: 'b', url: 'http://127.0.0.1:1/mcp', transport: 'stdio' })).rejects.toThrow(
      new InvalidUpstreamUrlError('must be stdio:<name> with transport "stdio"'),
    );
    const http = await service.create({ name: 'c', url: 'http://127.0.0.1:1/mcp' });
    expect(http.transport).toBe('streamablehttp');
    await expect(service.update(http.id, { url: 'stdio:c' })).rejects.toThrow(InvalidUpstreamUrlError);
    await expect(service.update(http.id, { transport: 'stdio' })).rejects.toThrow(InvalidUpstreamUrlError);
    await service.recordHealth(http.id, true);
    const moved = await service.update(http.id, { url: 'stdio:c', transport: 'stdio' });
    // Another server now: its health starts over.
    expect(moved).toMatchObject({ url: 'stdio:c', transport: 'stdio', lastHealthOk: null });
  });
});
