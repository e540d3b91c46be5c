import { createHash } from 'node:crypto';
import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { commonMessages } from '@app/common';
import {
  InvalidUpstreamSettingError,
  InvalidUpstreamUrlError,
  UpstreamNameTakenError,
  UpstreamNotFoundError,
} from './errors';
import { GatewayRepository } from './gateway.repository';
import { UpstreamsService } from './upstreams.service';
import { registryMessages as messages } from './registry.messages';
import { openTestRegistry } from './testing/registry-test-module';
import { createTestDatabase, type TestDatabase } from './testing/test-databases';
import type { DiscoveredTool, UpstreamPin } from './types';

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

  /** Opens the registry on this test's database, as a (re)started worker does. */
  const open = async (): Promise<void> => {
    moduleRef = await openTestRegistry(db);
    service = moduleRef.get(UpstreamsService);
    directory = moduleRef.get(GatewayRepository);
  };

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await open();
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
        secretPath: false,
        transport: 'streamablehttp',
        enabled: true,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
        pin: null,
        discoveryIntervalSeconds: null,
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
        secretPath: false,
        transport: 'sse',
        enabled: false,
        lastHealthOk: null,
        pin: null,
        discoveryIntervalSeconds: null,
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

    it('marks an upstream down only at the third failure in a row when downAfter is 3, up again after one success', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      await service.recordHealthCheck(gw.id, true, undefined, 3);
      const first = await service.recordHealthCheck(gw.id, false, new Error('ECONNREFUSED'), 3);
      expect(first).toEqual({ up: true, before: true, failures: 1, changed: false });
      // Suspect: still up, with the reason on record.
      expect(await service.get(gw.id)).toMatchObject({ lastHealthOk: true, lastHealthError: 'ECONNREFUSED' });
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 3))?.up).toBe(true);
      const revision = service.revision;
      expect(await service.recordHealthCheck(gw.id, false, new Error('x'), 3)).toEqual({
        up: false,
        before: true,
        failures: 3,
        changed: true,
      });
      expect(service.revision).toBeGreaterThan(revision);
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 3))?.changed).toBe(false);
      expect(await service.recordHealthCheck(gw.id, true, undefined, 3)).toEqual({
        up: true,
        before: false,
        failures: 0,
        changed: true,
      });
      // The count starts again from zero after a success.
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 3))?.up).toBe(true);
    });

    it('leaves an upstream never seen healthy neither up nor down until the failures reach downAfter', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 2))?.up).toBeNull();
      expect((await service.get(gw.id)).lastHealthOk).toBeNull();
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 2))?.up).toBe(false);
    });

    it('starts counting failures afresh when the upstream moves to a new address', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      await service.recordHealthCheck(gw.id, false, new Error('x'), 2);
      await service.update(gw.id, { url: 'http://127.0.0.1:8002/' });
      expect((await service.recordHealthCheck(gw.id, false, new Error('x'), 2))?.failures).toBe(1);
    });

    it('returns false for a gateway deleted meanwhile', async () => {
      expect(await service.recordHealthCheck(UNKNOWN_ID, false, 'x', 3)).toBeNull();
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

  describe('secret path', () => {
    const PATH_KEY = 'sk-PATH-CANARY-7f3a';
    const HIDDEN = `https://user:pass@up.example:8443/v1/${PATH_KEY}/mcp?region=eu`;
    const digestOf = (path: string) => createHash('sha256').update(path).digest('hex').slice(0, 32);
    const HIDDEN_URL = `https://up.example:8443/path-sha256-${digestOf(`/v1/${PATH_KEY}/mcp`)}`;

    it('is off by default: the canonical URL keeps the path', async () => {
      const gw = await service.create({ name: 'plain', url: 'https://up.example/v1/visible/mcp' });
      expect(gw).toMatchObject({ url: 'https://up.example/v1/visible/mcp', secretPath: false, hasCredentials: false });
    });

    it('replaces the path with its digest wherever the upstream is shown or ranked, and dials the real path', async () => {
      const gw = await service.create({ name: 'hidden', url: HIDDEN, secretPath: true });
      expect(gw).toMatchObject({ url: HIDDEN_URL, secretPath: true, hasCredentials: true });
      const shown = JSON.stringify([
        gw,
        await service.get(gw.id),
        await service.list(),
        await directory.listEnabledRefs(),
      ]);
      expect(shown).not.toContain(PATH_KEY);
      expect((await directory.listEnabledRefs()).map((ref) => ref.url)).toEqual([HIDDEN_URL]);
      expect(await service.getTarget(gw.id)).toMatchObject({
        url: HIDDEN_URL,
        connectionUrl: HIDDEN,
        secretPath: true,
      });
      expect((await service.listEnabledTargets())[0]).toMatchObject({ connectionUrl: HIDDEN, secretPath: true });
    });

    it('gives the same canonical URL after a restart, so the Redis identity stays', async () => {
      const gw = await service.create({ name: 'hidden', url: HIDDEN, secretPath: true });
      await moduleRef.close();
      await open();
      expect((await service.get(gw.id)).url).toBe(HIDDEN_URL);
      const again = await service.create({ name: 'hidden-again', url: HIDDEN, secretPath: true });
      expect(again.url).toBe(HIDDEN_URL);
    });

    it('keeps two secret paths on one host apart, and one path registered twice together', async () => {
      const a = await service.create({ name: 'a', url: 'https://up.example/key-AAAA/mcp', secretPath: true });
      const b = await service.create({ name: 'b', url: 'https://up.example/key-BBBB/mcp', secretPath: true });
      const a2 = await service.create({
        name: 'a2',
        url: 'https://other:cred@up.example/key-AAAA/mcp',
        secretPath: true,
      });
      expect(a.url).not.toBe(b.url);
      expect(a2.url).toBe(a.url);
      expect(new Set((await directory.listEnabledRefs()).map((ref) => ref.url)).size).toBe(2);
    });

    it('is switched on and off by update without a new URL, keeping the connection URL and the health result', async () => {
      const gw = await service.create({ name: 'a', url: HIDDEN });
      await service.recordHealth(gw.id, true);
      const hidden = await service.update(gw.id, { secretPath: true });
      expect(hidden).toMatchObject({ url: HIDDEN_URL, secretPath: true, lastHealthOk: true });
      expect((await service.getTarget(gw.id)).connectionUrl).toBe(HIDDEN);
      const shown = await service.update(gw.id, { secretPath: false });
      expect(shown).toMatchObject({ url: `https://up.example:8443/v1/${PATH_KEY}/mcp`, secretPath: false });
    });

    it('masks the path in the error stored before it was made secret', async () => {
      const gw = await service.create({ name: 'a', url: HIDDEN });
      await service.recordHealth(gw.id, false, new Error(`404 for /v1/${PATH_KEY}/mcp`));
      expect((await service.get(gw.id)).lastHealthError).toContain(PATH_KEY);
      const hidden = await service.update(gw.id, { secretPath: true });
      expect(hidden).toMatchObject({ lastHealthOk: false, lastHealthError: '404 for /***' });
    });

    it('digests a new path given with update, which is a new server (its health starts over)', async () => {
      const gw = await service.create({ name: 'a', url: HIDDEN, secretPath: true });
      await service.recordHealth(gw.id, true);
      const rotated = await service.update(gw.id, { url: 'https://up.example:8443/v1/sk-NEW-KEY/mcp' });
      expect(rotated).toMatchObject({ secretPath: true, lastHealthOk: null });
      expect(rotated.url).toBe(`https://up.example:8443/path-sha256-${digestOf('/v1/sk-NEW-KEY/mcp')}`);
      expect(JSON.stringify(rotated)).not.toContain('sk-NEW-KEY');
    });

    it('masks the path and its segments, in every form, in stored and returned error texts', async () => {
      const gw = await service.create({ name: 'a', url: HIDDEN, secretPath: true });
      const echo =
        `POST ${HIDDEN} failed: 404 for /v1/${PATH_KEY}/mcp (key ${PATH_KEY}, ` +
        `${encodeURIComponent(`/v1/${PATH_KEY}/mcp`)}, ${Buffer.from(PATH_KEY).toString('base64')})`;
      await service.recordHealth(gw.id, false, new Error(echo));
      const { lastHealthError } = await service.get(gw.id);
      expect(lastHealthError).toContain('https://up.example:8443');
      expect(lastHealthError).not.toContain(PATH_KEY);
      expect(lastHealthError).not.toContain(Buffer.from(PATH_KEY).toString('base64'));
      const returned = await service.redactError(gw.id, new Error(echo));
      expect(returned).not.toContain(PATH_KEY);
      expect(returned).toContain('***');
    });

    it('leaves the path in error texts of an upstream whose path is not secret', async () => {
      const gw = await service.create({ name: 'a', url: HIDDEN });
      expect(await service.redactError(gw.id, new Error(`no route /v1/${PATH_KEY}/mcp`))).toBe(
        `no route /v1/${PATH_KEY}/mcp`,
      );
    });
  });

  describe('names', () => {
    const refused = (codePoint: string, description: string) =>
      new InvalidUpstreamSettingError('name', commonMessages.notPrintable(codePoint, description));

    it.each([
      ['U+009B', '\u009b', 'a control character'],
      ['U+0085', '\u0085', 'a control character'],
      ['U+2028', '\u2028', 'a line separator'],
      ['U+2029', '\u2029', 'a paragraph separator'],
      ['U+202E', '\u202e', 'a format character (bidi control, zero-width character)'],
      ['U+D800', '\ud800', 'a lone surrogate'],
      ['U+E000', '\ue000', 'a private-use character'],
      ['U+0378', '\u0378', 'an unassigned code point'],
    ])(
      'refuses a name holding %s at registration and on rename, naming it',
      async (codePoint, character, description) => {
        await expect(service.create({ name: `evil${character}name`, url: 'http://127.0.0.1:8001/' })).rejects.toThrow(
          refused(codePoint, description),
        );
        const gw = await service.create({ name: 'fine', url: 'http://127.0.0.1:8001/' });
        await expect(service.update(gw.id, { name: `evil${character}` })).rejects.toThrow(
          refused(codePoint, description),
        );
        expect((await service.list()).map((g) => g.name)).toEqual(['fine']);
      },
    );

    it('takes printable names in any script, with spaces, emoji and punctuation', async () => {
      for (const name of ['Ünïcödé räksmörgås', 'データ 服务器', 'emoji 🚀 (prod) #1', 'a "quoted" name']) {
        expect((await service.create({ name, url: 'http://127.0.0.1:8001/' })).name).toBe(name);
      }
    });

    it('still reads, lists, renames and deletes a name stored before the rule; texts quoting it escape it', async () => {
      const id = '3d4ed7bb-2a1c-4d1b-8f3c-2a9b8c7d6e5f';
      await directory.insert({
        id,
        name: 'old\u202eevil\u2028name',
        url: 'http://127.0.0.1:8001/',
        connectionUrl: 'http://127.0.0.1:8001/',
        hasCredentials: false,
        secretPath: false,
        transport: 'streamablehttp',
        enabled: true,
        createdAt: new Date(),
        updatedAt: new Date(),
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
        healthFailures: 0,
        pin: null,
        discoveryIntervalSeconds: null,
      });
      expect((await service.get(id)).name).toBe('old\u202eevil\u2028name');
      expect(await service.list()).toHaveLength(1);
      expect((await service.getTarget(id)).name).toBe('old\u202eevil\u2028name');
      await service.update(id, { enabled: false });
      await expect(service.create({ name: 'old\u202eevil\u2028name', url: 'http://127.0.0.1:8002/' })).rejects.toThrow(
        InvalidUpstreamSettingError,
      );
      expect(messages.nameTaken('old\u202eevil\u2028name')).toBe(
        'a gateway named "old\\u202Eevil\\u2028name" already exists',
      );
      expect(messages.registered(id, 'x\u009by', 'http://h/')).toBe(
        `registered upstream ${id} "x\\u009By" at http://h/`,
      );
      await service.update(id, { name: 'renamed' });
      expect((await service.get(id)).name).toBe('renamed');
      await service.delete(id);
    });
  });

  describe('polling overrides', () => {
    // Absent fields come out as undefined, which toEqual tells apart from null.
    const overridesOf = (g: { pin?: UpstreamPin | null; discoveryIntervalSeconds?: number | null }) => ({
      pin: g.pin,
      discoveryIntervalSeconds: g.discoveryIntervalSeconds,
    });

    it('stores a pin and an interval given at registration and shows them wherever the upstream is read', async () => {
      const gw = await service.create({
        name: 'a',
        url: 'http://127.0.0.1:8001/',
        pin: 'hot',
        discoveryIntervalSeconds: 60,
      });
      const expected = { pin: 'hot', discoveryIntervalSeconds: 60 };
      expect(overridesOf(gw)).toEqual(expected);
      expect(overridesOf(await service.get(gw.id))).toEqual(expected);
      expect((await service.list()).map(overridesOf)).toEqual([expected]);
      expect(overridesOf(await service.getTarget(gw.id))).toEqual(expected);
      expect((await service.listEnabledTargets()).map(overridesOf)).toEqual([expected]);
      expect((await service.listEnabledWithTools()).map(overridesOf)).toEqual([expected]);
      expect((await directory.listEnabledRefs()).map(overridesOf)).toEqual([expected]);
    });

    it('sets, changes and clears them with update, each change counting as a change of what is served', async () => {
      const gw = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/' });
      const start = service.revision;

      const pinned = await service.update(gw.id, { pin: 'cold' });
      expect(overridesOf(pinned)).toEqual({ pin: 'cold', discoveryIntervalSeconds: null });
      expect(pinned.updatedAt.getTime()).toBeGreaterThanOrEqual(gw.updatedAt.getTime());

      const timed = await service.update(gw.id, { pin: 'hot', discoveryIntervalSeconds: 3600 });
      expect(overridesOf(timed)).toEqual({ pin: 'hot', discoveryIntervalSeconds: 3600 });
      expect(service.revision).toBe(start + 2);

      // The same values again change nothing.
      await service.update(gw.id, { pin: 'hot', discoveryIntervalSeconds: 3600 });
      expect(service.revision).toBe(start + 2);

      const cleared = await service.update(gw.id, { pin: null, discoveryIntervalSeconds: null });
      expect(overridesOf(cleared)).toEqual({ pin: null, discoveryIntervalSeconds: null });
      expect(overridesOf(await service.getTarget(gw.id))).toEqual({ pin: null, discoveryIntervalSeconds: null });
      expect(service.revision).toBe(start + 3);
    });

    it('leaves them as they are when a patch does not mention them', async () => {
      const gw = await service.create({
        name: 'a',
        url: 'http://127.0.0.1:8001/',
        pin: 'cold',
        discoveryIntervalSeconds: 30,
      });
      const renamed = await service.update(gw.id, { name: 'b', enabled: false });
      expect(overridesOf(renamed)).toEqual({ pin: 'cold', discoveryIntervalSeconds: 30 });
    });

    it('takes intervals from one second to one week', async () => {
      const short = await service.create({ name: 'short', url: 'http://127.0.0.1:8001/', discoveryIntervalSeconds: 1 });
      const long = await service.create({
        name: 'long',
        url: 'http://127.0.0.1:8002/',
        discoveryIntervalSeconds: 604_800,
      });
      expect([short.discoveryIntervalSeconds, long.discoveryIntervalSeconds]).toEqual([1, 604_800]);
    });

    const badPins: unknown[] = ['warm', 'HOT', '', 1, true];
    const badIntervals: unknown[] = [0, -60, 1.5, 604_801, '60', Number.NaN, Number.POSITIVE_INFINITY];
    const pinError = new InvalidUpstreamSettingError('pin', messages.pinInvalid());
    const intervalError = new InvalidUpstreamSettingError(
      'discoveryIntervalSeconds',
      messages.discoveryIntervalInvalid(604_800),
    );
    // What a JavaScript caller (or a request that got around the admin API's schema) could pass.
    const asPin = (value: unknown) => value as UpstreamPin;
    const asInterval = (value: unknown) => value as number;

    it('refuses a bad pin or interval at registration and stores nothing', async () => {
      for (const pin of badPins) {
        await expect(service.create({ name: 'a', url: 'http://127.0.0.1:8001/', pin: asPin(pin) })).rejects.toThrow(
          pinError,
        );
      }
      for (const interval of badIntervals) {
        await expect(
          service.create({ name: 'a', url: 'http://127.0.0.1:8001/', discoveryIntervalSeconds: asInterval(interval) }),
        ).rejects.toThrow(intervalError);
      }
      expect(await service.list()).toEqual([]);
      expect(service.revision).toBe(0);
    });

    it('refuses a bad pin or interval on update and changes nothing, not even the rest of the patch', async () => {
      const gw = await service.create({
        name: 'a',
        url: 'http://127.0.0.1:8001/',
        pin: 'hot',
        discoveryIntervalSeconds: 120,
      });
      const before = service.revision;
      for (const pin of badPins) {
        await expect(service.update(gw.id, { name: 'renamed', pin: asPin(pin) })).rejects.toThrow(pinError);
      }
      for (const interval of badIntervals) {
        await expect(
          service.update(gw.id, { name: 'renamed', discoveryIntervalSeconds: asInterval(interval) }),
        ).rejects.toBeInstanceOf(InvalidUpstreamSettingError);
      }
      expect(await service.get(gw.id)).toEqual(gw);
      expect(service.revision).toBe(before);
    });

    it('keeps them across a restart', async () => {
      const pinned = await service.create({ name: 'a', url: 'http://127.0.0.1:8001/', pin: 'hot' });
      const timed = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/', discoveryIntervalSeconds: 45 });
      const cleared = await service.create({
        name: 'c',
        url: 'http://127.0.0.1:8003/',
        pin: 'cold',
        discoveryIntervalSeconds: 10,
      });
      await service.update(cleared.id, { pin: null, discoveryIntervalSeconds: null });
      await moduleRef.close();

      await open();
      expect((await service.list()).map((g) => ({ id: g.id, ...overridesOf(g) }))).toEqual([
        { id: pinned.id, pin: 'hot', discoveryIntervalSeconds: null },
        { id: timed.id, pin: null, discoveryIntervalSeconds: 45 },
        { id: cleared.id, pin: null, discoveryIntervalSeconds: null },
      ]);
      expect((await directory.listEnabledRefs()).map(overridesOf)).toEqual([
        { pin: 'hot', discoveryIntervalSeconds: null },
        { pin: null, discoveryIntervalSeconds: 45 },
        { pin: null, discoveryIntervalSeconds: null },
      ]);
    });

    it('reads a value edited into the database by hand that it would not take as no override, and lists on', async () => {
      const good = await service.create({
        name: 'good',
        url: 'http://127.0.0.1:8001/',
        pin: 'cold',
        discoveryIntervalSeconds: 300,
      });
      const bad = await service.create({ name: 'bad', url: 'http://127.0.0.1:8002/' });
      const dataSource = moduleRef.get(DataSource);
      // [pin, interval] as SQL literals. PostgreSQL's integer column takes no fraction or text; SQLite's keeps them.
      const handEdits = [
        ["'warm'", '-5'],
        ["'HOT'", '0'],
        ...(kind === 'sqlite'
          ? [
              ["''", "'soon'"],
              ["'cold '", '1.5'],
            ]
          : []),
      ];
      for (const [pin, interval] of handEdits) {
        await dataSource.query(
          `UPDATE "gateways" SET "pin" = ${pin}, "discoveryIntervalSeconds" = ${interval} WHERE "name" = 'bad'`,
        );
        const none = { pin: null, discoveryIntervalSeconds: null };
        const kept = { pin: 'cold', discoveryIntervalSeconds: 300 };
        expect(overridesOf(await service.get(bad.id))).toEqual(none);
        expect((await service.list()).map(overridesOf)).toEqual([kept, none]);
        expect((await service.listEnabledTargets()).map(overridesOf)).toEqual([kept, none]);
        expect(await directory.listEnabledRefs()).toEqual([
          { id: good.id, url: good.url, ...kept },
          { id: bad.id, url: bad.url, ...none },
        ]);
      }
    });
  });

  describe('GatewayRepository', () => {
    it('lists only enabled upstreams, as id, canonical URL and overrides, in creation order', async () => {
      const a = await service.create({ name: 'a', url: SECRET_URL, pin: 'cold', discoveryIntervalSeconds: 900 });
      await service.create({ name: 'off', url: 'http://127.0.0.1:8002/', enabled: false, pin: 'hot' });
      const c = await service.create({ name: 'c', url: 'http://127.0.0.1:8003/mcp' });
      expect(await directory.listEnabledRefs()).toEqual([
        { id: a.id, url: 'https://up.example/mcp', pin: 'cold', discoveryIntervalSeconds: 900 },
        { id: c.id, url: 'http://127.0.0.1:8003/mcp', pin: null, discoveryIntervalSeconds: null },
      ]);
    });

    it('lists the enabled targets in the same order', async () => {
      const a = await service.create({ name: 'a', url: SECRET_URL });
      const b = await service.create({ name: 'b', url: 'http://127.0.0.1:8002/' });
      expect((await service.listEnabledTargets()).map((c) => c.id)).toEqual([a.id, b.id]);
    });
  });
});
