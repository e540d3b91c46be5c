import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { InvalidUpstreamUrlError, UpstreamNameTakenError, UpstreamNotFoundError } from './errors';
import { GatewayRepository } from './gateway.repository';
import { UpstreamsService } from './upstreams.service';
import { RegistryDatabaseModule } from './registry-database.module';
import { RegistryModule } from './registry.module';
import { createTestDatabase, type TestDatabase } from './testing/test-databases';
import type { DiscoveredTool } from './types';

const SECRET_URL = 'https://user:pass@up.example/mcp?api_key=CANARY123';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const tool = (
  name: string,
  description: string | null = null,
  props: Record<string, unknown> = {},
): DiscoveredTool => ({
  name,
  description,
  inputSchema: { type: 'object', properties: props },
});

describe.each(['sqlite', 'postgres'] as const)('UpstreamsService on %s', (kind) => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let service: UpstreamsService;
  let directory: GatewayRepository;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    moduleRef = await Test.createTestingModule({
      imports: [RegistryDatabaseModule.forRootAsync({ useFactory: () => db.config }), RegistryModule],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(UpstreamsService);
    directory = moduleRef.get(GatewayRepository);
  });

  afterEach(async () => {
    await moduleRef.close();
    await db.drop();
  });

  describe('revision', () => {
    it('grows with every change to what is served, and not with writes that change nothing', async () => {
      const seen = [service.revision];
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      seen.push(service.revision);
      await service.replaceTools(gw.id, [tool('echo')]);
      seen.push(service.revision);
      await service.replaceTools(gw.id, [tool('echo')]);
      await service.recordHealth(gw.id, true);
      seen.push(service.revision);
      await service.recordHealth(gw.id, true);
      await service.update(gw.id, { name: 'a' });
      seen.push(service.revision);
      await service.recordHealth(gw.id, false, new Error('down'));
      seen.push(service.revision);
      await service.update(gw.id, { enabled: false });
      seen.push(service.revision);
      await service.delete(gw.id);
      seen.push(service.revision);
      expect(seen).toEqual([0, 1, 2, 3, 3, 4, 5, 6]);
    });
  });

  describe('create', () => {
    it('stores the canonical URL, defaults to streamable HTTP and enabled, and has no health result yet', async () => {
      const created = await service.create({ name: 'alpha', url: 'http://127.0.0.1:8001/mcp' });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'alpha',
        url: 'http://127.0.0.1:8001/mcp',
        hasCredentials: false,
        transport: 'streamablehttp',
        enabled: true,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
      });
    });

    it('keeps credentials out of everything it returns but hands them to getTarget', async () => {
      const created = await service.create({ name: 'secret', url: SECRET_URL, transport: 'sse', enabled: false });
      const shown = JSON.stringify([created, await service.get(created.id), await service.list()]);
      expect(shown).not.toMatch(/CANARY123|pass|connectionUrl/);
      expect(created).toMatchObject({
        url: 'https://up.example/mcp',
        hasCredentials: true,
        transport: 'sse',
        enabled: false,
      });
      expect(await service.getTarget(created.id)).toEqual({
        id: created.id,
        name: 'secret',
        url: 'https://up.example/mcp',
        connectionUrl: SECRET_URL,
        transport: 'sse',
        enabled: false,
        lastHealthOk: null,
      });
    });

    it('refuses a second gateway with the same name', async () => {
      await service.create({ name: 'alpha', url: 'http://127.0.0.1:8001/' });
      await expect(service.create({ name: 'alpha', url: 'http://127.0.0.1:8002/' })).rejects.toThrow(
        new UpstreamNameTakenError('alpha'),
      );
    });

    it('refuses an unusable URL without storing anything', async () => {
      await expect(service.create({ name: 'bad', url: 'file:///etc/passwd' })).rejects.toBeInstanceOf(
        InvalidUpstreamUrlError,
      );
      expect(await service.list()).toEqual([]);
    });
  });

  describe('get, list and delete', () => {
    it('lists gateways in creation order', async () => {
      const a = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const b = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/' });
      const c = await service.create({ name: 'c', url: 'http://127.0.0.1:8003/' });
      expect((await service.list()).map((g) => g.id)).toEqual([a.id, b.id, c.id]);
    });

    it('reports unknown and ill-formed ids as not found', async () => {
      for (const id of [UNKNOWN_ID, 'not-a-uuid', "1' OR '1'='1"]) {
        await expect(service.get(id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
        await expect(service.getTarget(id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
        await expect(service.update(id, { enabled: false })).rejects.toBeInstanceOf(UpstreamNotFoundError);
        await expect(service.delete(id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
        await expect(service.listTools(id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
        await expect(service.replaceTools(id, [])).rejects.toBeInstanceOf(UpstreamNotFoundError);
      }
    });

    it('deletes a gateway together with its tools', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      await service.replaceTools(gw.id, [tool('echo')]);
      await service.delete(gw.id);
      await expect(service.get(gw.id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
      const remaining: unknown[] = await moduleRef.get(DataSource).query('SELECT * FROM tools');
      expect(remaining).toEqual([]);
      await expect(service.delete(gw.id)).rejects.toBeInstanceOf(UpstreamNotFoundError);
    });
  });

  describe('update', () => {
    it('renames, disables and changes the transport', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const updated = await service.update(gw.id, { name: 'renamed', enabled: false, transport: 'sse' });
      expect(updated).toMatchObject({ id: gw.id, name: 'renamed', enabled: false, transport: 'sse' });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(gw.updatedAt.getTime());
      expect(updated.createdAt).toEqual(gw.createdAt);
    });

    it('refuses a rename to a name another gateway has', async () => {
      await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const b = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/' });
      await expect(service.update(b.id, { name: 'a' })).rejects.toThrow(new UpstreamNameTakenError('a'));
    });

    it('moves a gateway to a new URL, storing its credentials, and forgets the old health result', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      await service.recordHealth(gw.id, true);
      const moved = await service.update(gw.id, { url: SECRET_URL });
      expect(moved).toMatchObject({
        url: 'https://up.example/mcp',
        hasCredentials: true,
        lastHealthOk: null,
        lastHealthAt: null,
      });
      expect(JSON.stringify(moved)).not.toContain('CANARY123');
      expect((await service.getTarget(gw.id)).connectionUrl).toBe(SECRET_URL);
    });

    it('keeps the health result when only the credentials of the same URL change', async () => {
      const gw = await service.create({ name: 'a', url: SECRET_URL });
      await service.recordHealth(gw.id, true);
      const rotated = await service.update(gw.id, { url: 'https://user:new@up.example/mcp?api_key=NEWKEY' });
      expect(rotated.lastHealthOk).toBe(true);
      expect((await service.getTarget(gw.id)).connectionUrl).toBe('https://user:new@up.example/mcp?api_key=NEWKEY');
    });

    it('changes nothing, not even updatedAt, when the patch matches the stored values', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const same = await service.update(gw.id, { name: 'a', enabled: true, url: 'http://127.0.0.1:8001/' });
      expect(same.updatedAt).toEqual(gw.updatedAt);
    });
  });

  describe('recordHealth', () => {
    it('stores success with the time of last contact, and reports only changes of state', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      expect(await service.recordHealth(gw.id, true)).toBe(true);
      expect(await service.recordHealth(gw.id, true)).toBe(false);
      const healthy = await service.get(gw.id);
      expect(healthy).toMatchObject({ lastHealthOk: true, lastHealthError: null });
      expect(healthy.lastSeenAt).toEqual(healthy.lastHealthAt);
      expect(healthy.updatedAt).toEqual(gw.updatedAt);
      expect(await service.recordHealth(gw.id, false, new Error('ECONNREFUSED'))).toBe(true);
      const sick = await service.get(gw.id);
      expect(sick).toMatchObject({ lastHealthOk: false, lastHealthError: 'ECONNREFUSED' });
      expect(sick.lastSeenAt).toEqual(healthy.lastSeenAt);
    });

    it("redacts the gateway's credentials and URLs from the stored error", async () => {
      const gw = await service.create({ name: 'a', url: SECRET_URL });
      await service.recordHealth(gw.id, false, `fetch ${SECRET_URL} failed: key CANARY123 rejected for user:pass`);
      const { lastHealthError } = await service.get(gw.id);
      expect(lastHealthError).toContain('https://up.example/mcp');
      expect(lastHealthError).not.toMatch(/CANARY123|pass/);
    });

    it('returns false for a gateway deleted meanwhile', async () => {
      expect(await service.recordHealth(UNKNOWN_ID, true)).toBe(false);
      expect(await service.recordHealth('nope', false, 'x')).toBe(false);
    });
  });

  describe('tools', () => {
    it('replaces the stored tools and reports what was added, updated and removed', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      expect(await service.replaceTools(gw.id, [tool('echo', 'Echo'), tool('add')])).toEqual({
        added: ['add', 'echo'],
        updated: [],
        removed: [],
      });
      expect(await service.replaceTools(gw.id, [tool('echo', 'Echo'), tool('add')])).toEqual({
        added: [],
        updated: [],
        removed: [],
      });
      expect(
        await service.replaceTools(gw.id, [tool('echo', 'Echo v2'), tool('mul', null, { a: { type: 'number' } })]),
      ).toEqual({ added: ['mul'], updated: ['echo'], removed: ['add'] });
      expect(await service.listTools(gw.id)).toEqual([
        expect.objectContaining({
          name: 'echo',
          description: 'Echo v2',
          inputSchema: { type: 'object', properties: {} },
        }),
        expect.objectContaining({
          name: 'mul',
          description: null,
          inputSchema: { type: 'object', properties: { a: { type: 'number' } } },
        }),
      ]);
    });

    it('counts a successful discovery as contact', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      await service.replaceTools(gw.id, []);
      expect((await service.get(gw.id)).lastSeenAt).toBeInstanceOf(Date);
    });

    it('keeps the tools of different gateways apart, even under the same names', async () => {
      const a = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const b = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/' });
      await service.replaceTools(a.id, [tool('echo')]);
      await service.replaceTools(b.id, [tool('echo'), tool('add')]);
      expect((await service.listTools(a.id)).map((t) => t.name)).toEqual(['echo']);
      expect((await service.listTools(b.id)).map((t) => t.name)).toEqual(['add', 'echo']);
    });

    it('leaves each gateway with exactly one of two concurrent discoveries, never a mix', async () => {
      const gateways = await Promise.all(
        Array.from({ length: 6 }, (_, i) => service.create({ name: `g${i}`, url: `http://127.0.0.1:${9000 + i}/` })),
      );
      await Promise.all(
        gateways.flatMap((gw) => [
          service.replaceTools(gw.id, [tool('a'), tool('b')]),
          service.replaceTools(gw.id, [tool('b'), tool('c')]),
        ]),
      );
      for (const gw of gateways) {
        expect([
          ['a', 'b'],
          ['b', 'c'],
        ]).toContainEqual((await service.listTools(gw.id)).map((t) => t.name));
      }
    });

    it('stores a large tool list in one go', async () => {
      const gw = await service.create({ name: 'big', url: 'http://127.0.0.1:8001/' });
      const many = Array.from({ length: 750 }, (_, i) => tool(`tool_${String(i).padStart(4, '0')}`, `d${i}`));
      expect((await service.replaceTools(gw.id, many)).added).toHaveLength(750);
      expect((await service.replaceTools(gw.id, many.slice(0, 10))).removed).toHaveLength(740);
    });

    it('lists enabled gateways with their tools for federation', async () => {
      const a = await service.create({ name: 'a', url: SECRET_URL });
      const off = await service.create({ name: 'off', url: 'http://127.0.0.1:8002/', enabled: false });
      await service.replaceTools(a.id, [tool('echo')]);
      await service.replaceTools(off.id, [tool('hidden')]);
      const listed = await service.listEnabledWithTools();
      expect(listed).toEqual([
        expect.objectContaining({
          id: a.id,
          connectionUrl: SECRET_URL,
          tools: [expect.objectContaining({ name: 'echo' })],
        }),
      ]);
    });
  });

  describe('GatewayRepository', () => {
    it('lists only enabled upstreams, as id and canonical URL, in creation order', async () => {
      const a = await service.create({ name: 'a', url: SECRET_URL });
      await service.create({ name: 'off', url: 'http://127.0.0.1:8002/', enabled: false });
      const c = await service.create({ name: 'c', url: 'http://127.0.0.1:8003/mcp' });
      expect(await directory.listEnabledRefs()).toEqual([
        { id: a.id, url: 'https://up.example/mcp' },
        { id: c.id, url: 'http://127.0.0.1:8003/mcp' },
      ]);
    });

    it('lists the enabled targets in the same order', async () => {
      const a = await service.create({ name: 'a', url: SECRET_URL });
      const b = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/' });
      expect((await service.listEnabledTargets()).map((c) => c.id)).toEqual([a.id, b.id]);
    });
  });
});
