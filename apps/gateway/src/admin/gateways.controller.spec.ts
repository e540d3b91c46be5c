import { createHash } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  GatewayRepository,
  InvalidUpstreamSettingError,
  registryMessages,
  UpstreamsService,
  RegistryDatabaseModule,
  UPSTREAM_HOST_RESOLVER,
  type HostResolver,
} from '@app/registry';
import { createSqliteTestDatabase, type TestDatabase } from '@app/registry/testing/test-databases';
import request, { type Response } from 'supertest';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testAppConfig } from '../../test/support/test-app-config';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, AppConfigModule } from '../config/app-config.module';
import { TOOL_REFRESHER, type ToolRefresher } from '../discovery/tool-refresher';
import { AdminModule } from './admin.module';

const TOKEN = 'admin-token-for-tests-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SECRET_URL = 'https://user:pass@up.example/mcp?api_key=CANARY123';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const METADATA_REASON = 'must not target a link-local or cloud metadata address';

/** DNS as the tests want it: a few names, everything else unresolvable. */
const fakeResolver: HostResolver = async (host) => {
  const table: Record<string, string[]> = {
    'up.example': ['93.184.216.34'],
    'sneaky.example': ['169.254.169.254'],
    'intranet.example': ['10.0.0.5'],
    localhost: ['127.0.0.1', '::1'],
  };
  const found = table[host];
  if (found === undefined) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return found;
};

interface Harness {
  app: INestApplication;
  logs: CaptureLogger;
  service: UpstreamsService;
  refresher: jest.Mocked<ToolRefresher>;
  bodies: string[];
  http(): request.Agent;
}

/** The admin API as the gateway serves it, on a SQLite file of its own. */
async function startAdminApi(
  db: TestDatabase,
  config: Partial<AppConfig> = {},
  withRefresher = true,
): Promise<Harness> {
  const refresher: jest.Mocked<ToolRefresher> = { refresh: jest.fn() };

  @Module({ providers: [{ provide: TOOL_REFRESHER, useValue: refresher }], exports: [TOOL_REFRESHER] })
  class FakeDiscoveryModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(testAppConfig({ adminToken: TOKEN, database: db.config, ...config })),
      RegistryDatabaseModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.database }),
      AdminModule.register({ imports: withRefresher ? [FakeDiscoveryModule] : [] }),
    ],
  })
    .overrideProvider(UPSTREAM_HOST_RESOLVER)
    .useValue(fakeResolver)
    .compile();
  const logs = new CaptureLogger();
  const app = moduleRef.createNestApplication({ logger: logs });
  await app.init();
  const bodies: string[] = [];
  const server = app.getHttpServer();
  return {
    app,
    logs,
    refresher,
    bodies,
    service: app.get(UpstreamsService),
    http: () =>
      request
        .agent(server)
        .set(AUTH)
        .on('response', (res: Response) => void bodies.push(res.text ?? '')),
  };
}

describe('Admin API /gateways', () => {
  let db: TestDatabase;
  let h: Harness;

  beforeEach(async () => {
    db = await createSqliteTestDatabase();
    h = await startAdminApi(db);
  });

  afterEach(async () => {
    await h.app.close();
    await db.drop();
  });

  const create = (body: Record<string, unknown>) => h.http().post('/gateways').send(body);

  describe('authentication', () => {
    const routes = (id: string): [string, string][] => [
      ['get', '/gateways'],
      ['post', '/gateways'],
      ['get', `/gateways/${id}`],
      ['patch', `/gateways/${id}`],
      ['delete', `/gateways/${id}`],
      ['get', `/gateways/${id}/tools`],
      ['post', `/gateways/${id}/refresh`],
    ];

    it('answers every route without a bearer token with 401 and WWW-Authenticate: Bearer', async () => {
      const { body: gw } = await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201);
      for (const [method, path] of routes(gw.id)) {
        const res = await request(h.app.getHttpServer())[method as 'get'](path).send({ name: 'x' });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
        expect(res.body.message).toMatch(/missing bearer token/);
      }
      expect(await h.service.list()).toHaveLength(1);
    });

    it('answers a wrong token with 401 and error="invalid_token"', async () => {
      for (const header of [`Bearer ${TOKEN}x`, 'Bearer wrong', `Bearer ${TOKEN.slice(0, -1)}`]) {
        const res = await request(h.app.getHttpServer()).get('/gateways').set('Authorization', header).expect(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway-admin", error="invalid_token"');
        expect(res.body.message).toBe('invalid bearer token');
      }
    });

    it('treats other schemes as a missing bearer token', async () => {
      const basic = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
      const res = await request(h.app.getHttpServer()).get('/gateways').set('Authorization', basic).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway-admin"');
    });

    it('accepts the scheme name in any case', async () => {
      await request(h.app.getHttpServer()).get('/gateways').set('Authorization', `bearer ${TOKEN}`).expect(200);
    });

    it('refuses every request when no admin token is configured', async () => {
      await h.app.close();
      h = await startAdminApi(db, { adminToken: undefined });
      await request(h.app.getHttpServer()).get('/gateways').set(AUTH).expect(401);
    });
  });

  describe('registering and managing gateways', () => {
    it('registers a gateway with defaults and answers 201 with its public view', async () => {
      const res = await create({ name: 'alpha', url: 'http://127.0.0.1:8001/mcp' }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'alpha',
        url: 'http://127.0.0.1:8001/mcp',
        hasCredentials: false,
        secretPath: false,
        transport: 'streamablehttp',
        enabled: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
        pin: null,
        discoveryIntervalSeconds: null,
      });
    });

    it('lists gateways in registration order and gets one by id', async () => {
      const a = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const b = (
        await create({ name: 'b', url: 'http://127.0.0.1:8002/', transport: 'sse', enabled: false }).expect(201)
      ).body;
      const list = await h.http().get('/gateways').expect(200);
      expect(list.body.map((g: { name: string }) => g.name)).toEqual(['a', 'b']);
      const one = await h.http().get(`/gateways/${b.id}`).expect(200);
      expect(one.body).toMatchObject({ id: b.id, transport: 'sse', enabled: false });
      await h.http().get(`/gateways/${a.id.toUpperCase()}`).expect(200);
    });

    it('renames, disables, moves and switches the transport of a gateway with PATCH', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const res = await h
        .http()
        .patch(`/gateways/${gw.id}`)
        .send({ name: 'renamed', enabled: false, url: 'http://127.0.0.1:9001/mcp', transport: 'sse' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: gw.id,
        name: 'renamed',
        enabled: false,
        url: 'http://127.0.0.1:9001/mcp',
        transport: 'sse',
      });
    });

    it('deletes a gateway with 204, after which it is 404', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const res = await h.http().delete(`/gateways/${gw.id}`).expect(204);
      expect(res.text).toBe('');
      await h.http().get(`/gateways/${gw.id}`).expect(404);
      await h.http().delete(`/gateways/${gw.id}`).expect(404);
    });

    it('lists the discovered tools of a gateway', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      await h.service.replaceTools(gw.id, [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object' } }]);
      const res = await h.http().get(`/gateways/${gw.id}/tools`).expect(200);
      expect(res.body).toEqual([
        {
          name: 'echo',
          description: 'Echo',
          inputSchema: { type: 'object' },
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ]);
    });
  });

  describe('credentials in registered URLs', () => {
    it('stores them for connecting but never echoes them in any response or log line', async () => {
      const created = await create({ name: 'secret', url: SECRET_URL }).expect(201);
      expect(created.body).toMatchObject({ url: 'https://up.example/mcp', hasCredentials: true });
      const id: string = created.body.id;
      h.refresher.refresh.mockRejectedValueOnce(
        new Error(`POST ${SECRET_URL} failed: 401 for key CANARY123 (user:pass)`),
      );

      await h.http().get('/gateways').expect(200);
      await h.http().get(`/gateways/${id}`).expect(200);
      await h.http().get(`/gateways/${id}/tools`).expect(200);
      await h.http().patch(`/gateways/${id}`).send({ enabled: false }).expect(200);
      await h.http().post(`/gateways/${id}/refresh`).expect(502);
      await h
        .http()
        .patch(`/gateways/${id}`)
        .send({ url: SECRET_URL.replace('CANARY123', 'CANARY123b') })
        .expect(200);
      await create({ name: 'secret', url: SECRET_URL }).expect(409);
      await create({ name: 'other', url: 'ftp://user:pass@up.example/?api_key=CANARY123' }).expect(400);
      await create({ name: 'other', url: 'http://user:pass@169.254.169.254/?api_key=CANARY123' }).expect(400);

      expect(h.bodies.length).toBeGreaterThanOrEqual(9);
      for (const body of h.bodies) {
        expect(body).not.toContain('CANARY123');
        expect(body).not.toContain('pass');
        expect(body).not.toContain('connectionUrl');
      }
      expect(h.logs.text()).not.toMatch(/CANARY123|pass@/);
      expect((await h.service.getTarget(id)).connectionUrl).toBe(SECRET_URL.replace('CANARY123', 'CANARY123b'));
    });
  });

  describe('secret paths', () => {
    const PATH_KEY = 'sk-PATH-CANARY-51f0';
    const HIDDEN = `https://up.example/v1/${PATH_KEY}/mcp`;
    const digest = createHash('sha256').update(`/v1/${PATH_KEY}/mcp`).digest('hex').slice(0, 32);
    const HIDDEN_URL = `https://up.example/path-sha256-${digest}`;

    it('registers a gateway with secretPath and shows the digest of its path, never the path', async () => {
      const created = await create({ name: 'hidden', url: HIDDEN, secretPath: true }).expect(201);
      expect(created.body).toMatchObject({ url: HIDDEN_URL, secretPath: true, hasCredentials: true });
      const id: string = created.body.id;
      h.refresher.refresh.mockRejectedValueOnce(new Error(`POST ${HIDDEN} failed: 404 no route /v1/${PATH_KEY}/mcp`));

      await h.http().get('/gateways').expect(200);
      await h.http().get(`/gateways/${id}`).expect(200);
      await h.http().patch(`/gateways/${id}`).send({ name: 'hidden-renamed' }).expect(200);
      const refresh = await h.http().post(`/gateways/${id}/refresh`).expect(502);
      expect(refresh.body.message).toBe('tool refresh failed: POST https://up.example/*** failed: 404 no route /***');
      const moved = await h
        .http()
        .patch(`/gateways/${id}`)
        .send({ url: HIDDEN.replace(PATH_KEY, `${PATH_KEY}-2`) })
        .expect(200);
      expect(moved.body).toMatchObject({
        secretPath: true,
        url: expect.stringMatching(/^https:\/\/up\.example\/path-sha256-/),
      });
      await create({ name: 'hidden-renamed', url: HIDDEN, secretPath: true }).expect(409);

      for (const body of h.bodies) expect(body).not.toContain(PATH_KEY);
      expect(h.logs.text()).toContain(HIDDEN_URL);
      expect(h.logs.text()).not.toContain(PATH_KEY);
      expect((await h.service.getTarget(id)).connectionUrl).toBe(HIDDEN.replace(PATH_KEY, `${PATH_KEY}-2`));
    });

    it('is off unless asked for, and can be switched with PATCH alone', async () => {
      const gw = (await create({ name: 'a', url: HIDDEN }).expect(201)).body;
      expect(gw).toMatchObject({ url: HIDDEN, secretPath: false });
      const hidden = await h.http().patch(`/gateways/${gw.id}`).send({ secretPath: true }).expect(200);
      expect(hidden.body).toMatchObject({ url: HIDDEN_URL, secretPath: true });
      const typed = await h.http().patch(`/gateways/${gw.id}`).send({ secretPath: 1 }).expect(400);
      expect(typed.body.message).toBe('secretPath: must be true or false');
    });

    it('keeps two gateways with different secret paths on one host apart', async () => {
      const a = (await create({ name: 'a', url: 'https://up.example/key-A/mcp', secretPath: true }).expect(201)).body;
      const b = (await create({ name: 'b', url: 'https://up.example/key-B/mcp', secretPath: true }).expect(201)).body;
      expect(a.url).not.toBe(b.url);
      expect([a.url, b.url].join()).not.toMatch(/key-A|key-B/);
    });
  });

  describe('validation', () => {
    it.each<[string, Record<string, unknown> | unknown[] | string, string]>([
      ['a missing name', { url: 'http://127.0.0.1:8001/' }, 'name: is required'],
      ['a name of the wrong type', { name: 42, url: 'http://127.0.0.1:8001/' }, 'name: must be a string'],
      ['an empty name', { name: '   ', url: 'http://127.0.0.1:8001/' }, 'name: must not be empty'],
      [
        'a name with control characters',
        { name: 'a\nb', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+000A is a control character',
      ],
      [
        'a name with a C1 control (CSI)',
        { name: 'a\u009b31mb', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+009B is a control character',
      ],
      [
        'a name with a next-line control',
        { name: 'a\u0085b', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+0085 is a control character',
      ],
      [
        'a name with a line separator, even at its end',
        { name: 'ab\u2028', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+2028 is a line separator',
      ],
      [
        'a name with a paragraph separator',
        { name: 'a\u2029b', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+2029 is a paragraph separator',
      ],
      [
        'a name with a right-to-left override',
        { name: 'evil\u202egnp.exe', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+202E is a format character (bidi control, zero-width character)',
      ],
      [
        'a name with a byte order mark, even at its start',
        { name: '\ufeffab', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+FEFF is a format character (bidi control, zero-width character)',
      ],
      [
        'a name with a private-use character',
        { name: 'a\ue000b', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+E000 is a private-use character',
      ],
      [
        'a name with an unassigned code point',
        { name: 'a\u{10ffff}b', url: 'http://127.0.0.1:8001/' },
        'name: must contain printable characters only: U+10FFFF is an unassigned code point',
      ],
      [
        'secretPath of the wrong type',
        { name: 'a', url: 'http://127.0.0.1/', secretPath: 'yes' },
        'secretPath: must be true or false',
      ],
      ['a missing url', { name: 'a' }, 'url: is required'],
      ['a url of the wrong type', { name: 'a', url: ['http://127.0.0.1/'] }, 'url: must be a string'],
      ['a url that does not parse', { name: 'a', url: 'not a url' }, 'url: is not a valid absolute URL'],
      [
        'a non-http scheme',
        { name: 'a', url: 'file:///etc/passwd' },
        'url: must use http or https, or be stdio:<name>',
      ],
      [
        'a gopher url',
        { name: 'a', url: 'gopher://up.example:70/_x' },
        'url: must use http or https, or be stdio:<name>',
      ],
      [
        'an overlong url',
        { name: 'a', url: `https://up.example/${'x'.repeat(2100)}` },
        'url: must be at most 2048 characters',
      ],
      [
        'the cloud metadata address',
        { name: 'a', url: 'http://169.254.169.254/latest/meta-data/' },
        `url: ${METADATA_REASON}`,
      ],
      ['the metadata address as one number', { name: 'a', url: 'http://2852039166/' }, `url: ${METADATA_REASON}`],
      ['the metadata address in hex', { name: 'a', url: 'http://0xa9fea9fe/' }, `url: ${METADATA_REASON}`],
      [
        'the metadata address as IPv4-mapped IPv6',
        { name: 'a', url: 'http://[::ffff:169.254.169.254]/' },
        `url: ${METADATA_REASON}`,
      ],
      ['an IPv6 link-local address', { name: 'a', url: 'http://[fe80::1]:8080/' }, `url: ${METADATA_REASON}`],
      [
        'the GCE metadata host name',
        { name: 'a', url: 'http://metadata.google.internal/computeMetadata/v1/' },
        `url: ${METADATA_REASON}`,
      ],
      [
        'a name that resolves to the metadata address',
        { name: 'a', url: 'http://sneaky.example/mcp' },
        `url: ${METADATA_REASON}`,
      ],
      [
        'an unknown transport',
        { name: 'a', url: 'http://127.0.0.1/', transport: 'websocket' },
        'transport: must be one of "streamablehttp", "sse", "stdio"',
      ],
      [
        'enabled of the wrong type',
        { name: 'a', url: 'http://127.0.0.1/', enabled: 'yes' },
        'enabled: must be true or false',
      ],
      ['an unknown field', { name: 'a', url: 'http://127.0.0.1/', colour: 'red' }, 'colour: is not a known field'],
      ['a body that is not an object', ['a'], 'body: must be a JSON object'],
    ])('rejects %s with 400 and a message naming the field', async (_case, body, message) => {
      const res = await create(body as Record<string, unknown>).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
      expect(await h.service.list()).toEqual([]);
    });

    it('names every rejected field at once', async () => {
      const res = await create({ url: 'file:///x', transport: 1 }).expect(400);
      expect(res.body.message).toBe(
        'name: is required; url: must use http or https, or be stdio:<name>; transport: must be one of "streamablehttp", "sse", "stdio"',
      );
      expect(res.body.errors).toHaveLength(3);
    });

    it('rejects a PATCH that changes nothing, or changes to an invalid value', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const empty = await h.http().patch(`/gateways/${gw.id}`).send({}).expect(400);
      expect(empty.body.message).toBe(
        'body: must change at least one of name, url, secretPath, transport, enabled, pin, discoveryIntervalSeconds',
      );
      const bad = await h.http().patch(`/gateways/${gw.id}`).send({ url: 'http://[::ffff:a9fe:a9fe]/' }).expect(400);
      expect(bad.body.message).toBe(`url: ${METADATA_REASON}`);
      const typed = await h.http().patch(`/gateways/${gw.id}`).send({ enabled: 1 }).expect(400);
      expect(typed.body.message).toBe('enabled: must be true or false');
      expect((await h.service.get(gw.id)).url).toBe('http://127.0.0.1:8001/');
    });

    it('shows no refused name character raw in the answer, and refuses it on PATCH too', async () => {
      const res = await create({ name: 'x\u202ey', url: 'http://127.0.0.1:8001/' }).expect(400);
      expect(res.text).not.toMatch(/\u202e/);
      expect(res.body.errors).toEqual([
        {
          field: 'name',
          message:
            'must contain printable characters only: U+202E is a format character (bidi control, zero-width character)',
        },
      ]);
      const gw = (await create({ name: 'plain', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const patched = await h.http().patch(`/gateways/${gw.id}`).send({ name: 'a\u2028b' }).expect(400);
      expect(patched.body.message).toBe('name: must contain printable characters only: U+2028 is a line separator');
      expect((await h.service.get(gw.id)).name).toBe('plain');
    });

    it('takes printable names in any script, and still trims spaces', async () => {
      const res = await create({ name: '  Ünïcödé データ 🚀 (prod)  ', url: 'http://127.0.0.1:8001/' }).expect(201);
      expect(res.body.name).toBe('Ünïcödé データ 🚀 (prod)');
    });

    it('serves, renames and deletes a gateway whose name was stored before names had to be printable', async () => {
      const gw = (await create({ name: 'placeholder', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      await h.app.get(GatewayRepository).update(gw.id, { name: 'old\u202eevil\u0085name' });
      expect((await h.http().get(`/gateways/${gw.id}`).expect(200)).body.name).toBe('old\u202eevil\u0085name');
      expect((await h.http().get('/gateways').expect(200)).body).toHaveLength(1);
      await h.http().patch(`/gateways/${gw.id}`).send({ enabled: false }).expect(200);
      const dup = await create({ name: 'placeholder', url: 'http://127.0.0.1:8002/' }).expect(201);
      await h.http().patch(`/gateways/${dup.body.id}`).send({ name: 'renamed' }).expect(200);
      await h.http().patch(`/gateways/${gw.id}`).send({ name: 'fixed' }).expect(200);
      await h.http().delete(`/gateways/${gw.id}`).expect(204);
      expect(h.logs.text()).not.toMatch(/[\u202e\u0085]/);
    });

    it('answers 409 to a duplicate name, on create and on rename', async () => {
      await create({ name: 'alpha', url: 'http://127.0.0.1:8001/' }).expect(201);
      const dup = await create({ name: 'alpha', url: 'http://127.0.0.1:8002/' }).expect(409);
      expect(dup.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'name: a gateway named "alpha" already exists',
      });
      const beta = (await create({ name: 'beta', url: 'http://127.0.0.1:8003/' }).expect(201)).body;
      await h.http().patch(`/gateways/${beta.id}`).send({ name: 'alpha' }).expect(409);
    });

    it('answers 404 to unknown and ill-formed ids on every route', async () => {
      for (const id of [UNKNOWN_ID, 'not-a-uuid', '1%27%20OR%201=1']) {
        for (const [method, path] of [
          ['get', `/gateways/${id}`],
          ['patch', `/gateways/${id}`],
          ['delete', `/gateways/${id}`],
          ['get', `/gateways/${id}/tools`],
          ['post', `/gateways/${id}/refresh`],
        ] as const) {
          const res = await h.http()[method](path).send({ enabled: false });
          expect([method, path, res.status]).toEqual([method, path, 404]);
          expect(res.body).toMatchObject({ statusCode: 404, message: 'gateway not found' });
        }
      }
      expect(h.refresher.refresh).not.toHaveBeenCalled();
    });

    it('answers malformed JSON with 400', async () => {
      const res = await h
        .http()
        .post('/gateways')
        .set('Content-Type', 'application/json')
        .send('{"name": "a", "url": ')
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.any(String) });
    });
  });

  describe('polling overrides', () => {
    const PIN_MESSAGE = 'pin: must be "hot", "cold" or null';
    const INTERVAL_MESSAGE = 'discoveryIntervalSeconds: must be a whole number of seconds from 1 to 604800, or null';
    const overridesOf = (body: { pin: unknown; discoveryIntervalSeconds: unknown }) => ({
      pin: body.pin,
      discoveryIntervalSeconds: body.discoveryIntervalSeconds,
    });

    it('registers a gateway with a pin and an interval of its own, and shows both on every read', async () => {
      const created = await create({
        name: 'a',
        url: 'http://127.0.0.1:8001/',
        pin: 'hot',
        discoveryIntervalSeconds: 120,
      }).expect(201);
      const expected = { pin: 'hot', discoveryIntervalSeconds: 120 };
      expect(overridesOf(created.body)).toEqual(expected);
      expect(overridesOf((await h.http().get(`/gateways/${created.body.id}`).expect(200)).body)).toEqual(expected);
      expect((await h.http().get('/gateways').expect(200)).body.map(overridesOf)).toEqual([expected]);
    });

    it('sets, changes and clears them with PATCH, leaving whatever the patch does not name', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      const patch = async (body: Record<string, unknown>) =>
        overridesOf((await h.http().patch(`/gateways/${gw.id}`).send(body).expect(200)).body);

      expect(await patch({ pin: 'cold' })).toEqual({ pin: 'cold', discoveryIntervalSeconds: null });
      expect(await patch({ discoveryIntervalSeconds: 3600 })).toEqual({ pin: 'cold', discoveryIntervalSeconds: 3600 });
      expect(await patch({ pin: 'hot', name: 'renamed' })).toEqual({ pin: 'hot', discoveryIntervalSeconds: 3600 });
      expect(await patch({ pin: null })).toEqual({ pin: null, discoveryIntervalSeconds: 3600 });
      expect(await patch({ discoveryIntervalSeconds: null })).toEqual({ pin: null, discoveryIntervalSeconds: null });
      expect(overridesOf((await h.http().get(`/gateways/${gw.id}`).expect(200)).body)).toEqual({
        pin: null,
        discoveryIntervalSeconds: null,
      });
    });

    it('takes intervals from one second to one week', async () => {
      await create({ name: 'a', url: 'http://127.0.0.1:8001/', discoveryIntervalSeconds: 1 }).expect(201);
      await create({ name: 'b', url: 'http://127.0.0.1:8002/', discoveryIntervalSeconds: 604800 }).expect(201);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an unknown pin', { pin: 'warm' }, PIN_MESSAGE],
      ['a pin in the wrong case', { pin: 'HOT' }, PIN_MESSAGE],
      ['a pin of the wrong type', { pin: true }, PIN_MESSAGE],
      ['an interval of zero', { discoveryIntervalSeconds: 0 }, INTERVAL_MESSAGE],
      ['a negative interval', { discoveryIntervalSeconds: -60 }, INTERVAL_MESSAGE],
      ['a fractional interval', { discoveryIntervalSeconds: 1.5 }, INTERVAL_MESSAGE],
      ['an interval over a week', { discoveryIntervalSeconds: 604801 }, INTERVAL_MESSAGE],
      ['an interval as a string', { discoveryIntervalSeconds: '60' }, INTERVAL_MESSAGE],
      ['both wrong at once', { pin: 'warm', discoveryIntervalSeconds: 0 }, `${PIN_MESSAGE}; ${INTERVAL_MESSAGE}`],
    ])('rejects %s with 400, on POST and on PATCH, and changes nothing', async (_case, bad, message) => {
      const posted = await create({ name: 'new', url: 'http://127.0.0.1:8002/', ...bad }).expect(400);
      expect(posted.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message });

      const gw = (
        await create({ name: 'a', url: 'http://127.0.0.1:8001/', pin: 'cold', discoveryIntervalSeconds: 90 }).expect(
          201,
        )
      ).body;
      const patched = await h
        .http()
        .patch(`/gateways/${gw.id}`)
        .send({ name: 'renamed', ...bad })
        .expect(400);
      expect(patched.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
      expect((await h.http().get('/gateways').expect(200)).body).toEqual([gw]);
    });

    it("answers the registry's own refusal of an override as a 400 naming the field", async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      jest
        .spyOn(h.service, 'update')
        .mockRejectedValueOnce(new InvalidUpstreamSettingError('pin', registryMessages.pinInvalid()));
      const res = await h.http().patch(`/gateways/${gw.id}`).send({ pin: 'hot' }).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: PIN_MESSAGE });
    });

    it('keeps them across a restart of the gateway', async () => {
      const pinned = (await create({ name: 'a', url: 'http://127.0.0.1:8001/', pin: 'hot' }).expect(201)).body;
      const timed = (
        await create({ name: 'b', url: 'http://127.0.0.1:8002/', pin: 'cold', discoveryIntervalSeconds: 45 }).expect(
          201,
        )
      ).body;
      await h.http().patch(`/gateways/${timed.id}`).send({ pin: null }).expect(200);

      await h.app.close();
      h = await startAdminApi(db);
      const listed = (await h.http().get('/gateways').expect(200)).body;
      expect(
        listed.map((g: { id: string; pin: unknown; discoveryIntervalSeconds: unknown }) => ({
          id: g.id,
          ...overridesOf(g),
        })),
      ).toEqual([
        { id: pinned.id, pin: 'hot', discoveryIntervalSeconds: null },
        { id: timed.id, pin: null, discoveryIntervalSeconds: 45 },
      ]);
    });
  });

  describe('private targets', () => {
    it('accepts loopback and private upstreams by default, for local servers', async () => {
      await create({ name: 'local', url: 'http://127.0.0.1:8001/mcp' }).expect(201);
      await create({ name: 'named', url: 'http://localhost:8002/mcp' }).expect(201);
      await create({ name: 'intranet', url: 'http://intranet.example/mcp' }).expect(201);
    });

    it('refuses loopback, private and unspecified upstreams when UPSTREAM_BLOCK_PRIVATE is on', async () => {
      await h.app.close();
      h = await startAdminApi(db, { upstreamBlockPrivate: true });
      for (const url of [
        'http://127.0.0.1:8001/',
        'http://127.1/',
        'http://[::1]/',
        'http://0.0.0.0/',
        'http://localhost/',
        'http://10.1.2.3/',
        'http://intranet.example/',
      ]) {
        const res = await create({ name: 'p', url }).expect(400);
        expect(res.body.message).toMatch(/^url: must not target a loopback, private or unspecified address/);
      }
      await create({ name: 'public', url: SECRET_URL }).expect(201);
    });
  });

  describe('first discovery', () => {
    it('starts a tool discovery as soon as a gateway is registered', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      expect(h.refresher.refresh).toHaveBeenCalledWith(gw.id);
    });

    it('does not discover a gateway registered disabled until it is enabled', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/', enabled: false }).expect(201)).body;
      expect(h.refresher.refresh).not.toHaveBeenCalled();
      await h.http().patch(`/gateways/${gw.id}`).send({ enabled: true }).expect(200);
      expect(h.refresher.refresh).toHaveBeenCalledWith(gw.id);
    });

    it('still registers the gateway when its first discovery fails', async () => {
      h.refresher.refresh.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
      await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201);
      await h.http().get('/gateways').expect(200);
    });
  });

  describe('manual tool refresh', () => {
    it('runs the tool refresher and answers with what changed', async () => {
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      h.refresher.refresh.mockResolvedValueOnce({ added: ['echo'], updated: [], removed: [], total: 1 });
      const res = await h.http().post(`/gateways/${gw.id}/refresh`).expect(200);
      expect(res.body).toEqual({ added: ['echo'], updated: [], removed: [], total: 1 });
      expect(h.refresher.refresh).toHaveBeenCalledWith(gw.id);
    });

    it('answers 502 with a redacted reason when the upstream fails', async () => {
      const gw = (await create({ name: 'a', url: SECRET_URL }).expect(201)).body;
      h.refresher.refresh.mockRejectedValueOnce(new Error(`connect ECONNREFUSED ${SECRET_URL}`));
      const res = await h.http().post(`/gateways/${gw.id}/refresh`).expect(502);
      expect(res.body.message).toBe('tool refresh failed: connect ECONNREFUSED https://up.example/mcp');
    });

    it('answers 503 when the gateway has no tool refresher', async () => {
      await h.app.close();
      h = await startAdminApi(db, {}, false);
      const gw = (await create({ name: 'a', url: 'http://127.0.0.1:8001/' }).expect(201)).body;
      await h.http().post(`/gateways/${gw.id}/refresh`).expect(503);
    });
  });
});
