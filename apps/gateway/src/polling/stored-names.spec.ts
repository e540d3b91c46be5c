import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClassificationScheduler } from '@app/classification';
import { GatewayRepository, UpstreamsService, type UpstreamInfo } from '@app/registry';
import { createSqliteTestDatabase, type TestDatabase } from '@app/registry/testing/test-databases';
import { AppModule } from '../app.module';
import { ANONYMOUS_IDENTITY, McpSessionPool } from '../mcp';
import { CaptureLogger } from '../../test/support/capture-logger';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { DiscoveryPoller } from './discovery-poller';
import { HealthPoller } from './health-poller';

/** A name as a registry written before names had to be printable may hold: C1 CSI, NEL, LS, RLO. */
const STORED_NAME = 'old\u009b31m\u0085\u2028\u202eeman';
const ESCAPED_NAME = 'old\\u009B31m\\u0085\\u2028\\u202Eeman';
const NON_PRINTABLE = /[\u009b\u0085\u2028\u202e]/;

/**
 * The gateway with an upstream whose name was stored before the rule: everything keeps working,
 * and every log line (and stored error) that names it shows its non-printable characters escaped.
 */
describe('an upstream name stored before names had to be printable', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let server: SampleServer;
  let logs: CaptureLogger;
  let gateway: UpstreamInfo;

  beforeEach(async () => {
    db = await createSqliteTestDatabase();
    server = await startSampleServer({ name: 'old' });
    const module = await Test.createTestingModule({
      imports: [AppModule.forRoot(testAppConfig({ database: db.config, upstreamTimeoutMs: 1000 }))],
    }).compile();
    logs = new CaptureLogger();
    app = module.createNestApplication({ logger: logs });
    // Database and module providers only: no onApplicationBootstrap, so no loop or timer runs.
    gateway = await app.get(UpstreamsService).create({ name: 'placeholder', url: server.url });
    await app.get(GatewayRepository).update(gateway.id, { name: STORED_NAME });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await app.close();
    await server.close().catch(() => undefined);
    await db.drop();
  });

  it('is discovered, used and health-checked, and logged escaped', async () => {
    // The SDK warns (on the console) about a tool name outside its naming standard; that is the point here.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    server.addTool('tool\u202ename');
    await app.get(ClassificationScheduler).runOnce();
    await app.get(DiscoveryPoller).runOnce();
    const target = await app.get(UpstreamsService).getTarget(gateway.id);
    await app
      .get(McpSessionPool)
      .withSession(target, ANONYMOUS_IDENTITY, (s) => s.callTool({ name: 'echo', arguments: { text: 'hi' } }));
    await app.get(HealthPoller).runOnce();
    expect((await app.get(UpstreamsService).get(gateway.id)).lastHealthOk).toBe(true);
    expect((await app.get(UpstreamsService).listTools(gateway.id)).map((t) => t.name)).toContain('tool\u202ename');

    const text = logs.text();
    expect(text).toContain(`Tools of ${ESCAPED_NAME} changed`);
    expect(text).toContain('tool\\u202Ename');
    expect(text).not.toMatch(NON_PRINTABLE);
  });

  it('is named escaped when its health check fails, in the log and in the stored error', async () => {
    await server.close();
    await app.get(HealthPoller).runOnce();
    const { lastHealthOk, lastHealthError } = await app.get(UpstreamsService).get(gateway.id);
    expect(lastHealthOk).toBe(false);
    expect(lastHealthError).toContain(`"${ESCAPED_NAME}"`);
    expect(logs.text()).toContain(`${ESCAPED_NAME} is unhealthy`);
    expect(logs.text()).not.toMatch(NON_PRINTABLE);
  });
});
