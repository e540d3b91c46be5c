import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RegistryDatabaseModule, UpstreamsService } from '@app/registry';
import { createSqliteTestDatabase, type TestDatabase } from '@app/registry/testing/test-databases';
import request from 'supertest';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testAppConfig } from '../../test/support/test-app-config';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, AppConfigModule } from '../config/app-config.module';
import { AdminModule } from './admin.module';

const TOKEN = 'admin-token-for-tests-0123456789';
const CANARY = 'stdio-env-canary-5d1e';
const STDIO_SERVERS = JSON.stringify({
  everything: { command: 'node', args: ['server.js', 'stdio'], env: { API_KEY: CANARY } },
  memory: { command: 'mcp-server-memory' },
});

describe('Admin API /gateways with stdio upstreams', () => {
  let db: TestDatabase;
  let app: INestApplication;
  const logs = new CaptureLogger();
  const bodies: string[] = [];

  const http = () => request.agent(app.getHttpServer()).set({ Authorization: `Bearer ${TOKEN}` });
  const create = async (body: Record<string, unknown>) => {
    const res = await http().post('/gateways').send(body);
    bodies.push(res.text);
    return res;
  };

  beforeEach(async () => {
    db = await createSqliteTestDatabase();
    const base = testAppConfig({ adminToken: TOKEN, database: db.config });
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({ ...base, mcp: { ...base.mcp, stdioServers: STDIO_SERVERS } }),
        RegistryDatabaseModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.database }),
        AdminModule.register(),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: logs });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
    await db.drop();
  });

  it('registers an allow-listed stdio server by name, with the stdio transport by default', async () => {
    const res = await create({ name: 'everything', url: 'stdio:everything' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'everything',
      url: 'stdio:everything',
      transport: 'stdio',
      hasCredentials: false,
    });
    const explicit = await create({ name: 'memory', url: 'stdio:memory', transport: 'stdio' });
    expect(explicit.status).toBe(201);
    const target = await app.get(UpstreamsService).getTarget(res.body.id);
    expect(target).toMatchObject({ connectionUrl: 'stdio:everything', transport: 'stdio' });
  });

  it('answers 400 naming the allowed servers for a name outside STDIO_SERVERS', async () => {
    const res = await create({ name: 'x', url: 'stdio:shell' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'url: stdio server "shell" is not configured (STDIO_SERVERS allows: everything, memory)',
    );
  });

  it('answers 400 to a stdio URL with an HTTP transport, and to the stdio transport with an HTTP URL', async () => {
    const sse = await create({ name: 'x', url: 'stdio:everything', transport: 'sse' });
    expect(sse.status).toBe(400);
    expect(sse.body.message).toBe('url: stdio:<name> needs transport "stdio"');
    const http = await create({ name: 'y', url: 'http://127.0.0.1:8001/mcp', transport: 'stdio' });
    expect(http.status).toBe(400);
    expect(http.body.message).toBe('url: must be stdio:<name> with transport "stdio"');
    const malformed = await create({ name: 'z', url: 'stdio://everything' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^url: must be stdio:<name>/);
  });

  it('keeps URL and transport paired on PATCH', async () => {
    const { body: gw } = await create({ name: 'everything', url: 'stdio:everything' });
    const toHttp = await http().patch(`/gateways/${gw.id}`).send({ url: 'http://127.0.0.1:8001/mcp' });
    expect(toHttp.status).toBe(400);
    expect(toHttp.body.message).toBe('url: must be stdio:<name> with transport "stdio"');
    const both = await http()
      .patch(`/gateways/${gw.id}`)
      .send({ url: 'http://127.0.0.1:8001/mcp', transport: 'streamablehttp' });
    expect(both.status).toBe(200);
    const back = await http().patch(`/gateways/${gw.id}`).send({ transport: 'stdio' });
    expect(back.status).toBe(400);
    const unknown = await http().patch(`/gateways/${gw.id}`).send({ url: 'stdio:nope', transport: 'stdio' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/stdio server "nope" is not configured/);
    const moved = await http().patch(`/gateways/${gw.id}`).send({ url: 'stdio:memory', transport: 'stdio' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ url: 'stdio:memory', transport: 'stdio' });
  });

  it('never shows the env of a stdio server in answers or logs', async () => {
    await create({ name: 'everything', url: 'stdio:everything' });
    await create({ name: 'bad', url: 'stdio:nope' });
    bodies.push((await http().get('/gateways')).text);
    expect(bodies.join('\n')).not.toContain(CANARY);
    expect(logs.text()).not.toContain(CANARY);
  });
});
