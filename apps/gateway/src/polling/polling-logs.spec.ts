import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { classificationMessages } from '@app/classification';
import { UpstreamsService } from '@app/registry';
import { createSqliteTestDatabase, type TestDatabase } from '@app/registry/testing/test-databases';
import { PrivateRedis } from '../../../../libs/classification/test/private-redis';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import { CaptureLogger } from '../../test/support/capture-logger';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { DiscoveryPoller } from './discovery-poller';
import { HealthPoller } from './health-poller';
import { pollingMessages } from './polling.messages';

/** What an operator sees at the default LOG_LEVEL (log): debug and verbose lines are not shown. */
const shown = (lines: readonly string[]): string[] => lines.filter((line) => /^(log|warn|error) /.test(line));

/**
 * What the pollers log over many rounds, inside the real gateway module (SQLite registry, sample
 * upstreams). Hooks are not run, so no loop runs: each round is started by hand.
 */
describe('Poller logs', () => {
  let db: TestDatabase;
  let app: INestApplication | undefined;
  let servers: SampleServer[] = [];
  let logs: CaptureLogger;

  async function startApp(overrides: Partial<AppConfig>): Promise<INestApplication> {
    const module = await Test.createTestingModule({
      imports: [AppModule.forRoot(testAppConfig({ database: db.config, upstreamTimeoutMs: 1000, ...overrides }))],
    }).compile();
    logs = new CaptureLogger();
    app = module.createNestApplication({ logger: logs });
    await app.get(UpstreamsService).list();
    return app;
  }

  beforeEach(async () => {
    db = await createSqliteTestDatabase();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    servers = [];
    await db.drop();
  });

  it('logs a failing upstream once however often it is checked, and once more when it recovers', async () => {
    const server = await startSampleServer({ name: 'flaky' });
    servers.push(server);
    // Classification off: every round checks every upstream.
    const gateway = await startApp({ classification: { ...testAppConfig().classification, enabled: false } });
    await gateway.get(UpstreamsService).create({ name: 'flaky', url: `${server.url}?api_key=CANARY123` });
    const health = gateway.get(HealthPoller);
    const about = () => shown(logs.lines).filter((line) => line.endsWith(' HealthPoller'));

    await health.runOnce();
    server.failNext('ping', 5);
    for (let i = 0; i < 5; i++) await health.runOnce();
    const registry = gateway.get(UpstreamsService);
    expect((await registry.list())[0].lastHealthOk).toBe(false);
    await health.runOnce();
    await health.runOnce();

    const lines = about();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`log ${pollingMessages.healthy('flaky')} HealthPoller`);
    expect(lines[1].startsWith(`warn ${pollingMessages.unhealthy('flaky', '')}`)).toBe(true);
    expect(lines[2]).toBe(`log ${pollingMessages.healthyAgain('flaky')} HealthPoller`);
    // The reason is short and redacted.
    expect(lines[1]).not.toContain('CANARY123');
    expect(lines[1].length).toBeLessThan(300);
  });

  it('with UPSTREAM_DOWN_AFTER=3, says nothing of one or two failed checks and marks the upstream down at the third', async () => {
    const server = await startSampleServer({ name: 'flaky' });
    servers.push(server);
    const gateway = await startApp({
      classification: { ...testAppConfig().classification, enabled: false },
      upstreamDownAfter: 3,
    });
    const registry = gateway.get(UpstreamsService);
    await registry.create({ name: 'flaky', url: server.url });
    const health = gateway.get(HealthPoller);
    const about = () => shown(logs.lines).filter((line) => line.endsWith(' HealthPoller'));

    await health.runOnce();
    server.failNext('ping', 2);
    await health.runOnce();
    await health.runOnce();
    expect((await registry.list())[0]).toMatchObject({ lastHealthOk: true, lastHealthError: expect.any(String) });
    await health.runOnce();
    expect(about()).toEqual([`log ${pollingMessages.healthy('flaky')} HealthPoller`]);

    server.failNext('ping', 3);
    for (let i = 0; i < 3; i++) await health.runOnce();
    expect((await registry.list())[0].lastHealthOk).toBe(false);
    await health.runOnce();
    expect((await registry.list())[0].lastHealthOk).toBe(true);
    const lines = about();
    expect(lines).toHaveLength(3);
    expect(lines[1].startsWith(`warn ${pollingMessages.unhealthy('flaky', '')}`)).toBe(true);
    expect(lines[2]).toBe(`log ${pollingMessages.healthyAgain('flaky')} HealthPoller`);
  });

  it('logs a number of lines bounded by the rounds, not by upstreams × rounds, while Redis is stopped', async () => {
    const UPSTREAMS = 20;
    const ROUNDS = 4;
    const redis = await PrivateRedis.start();
    try {
      servers = await Promise.all(Array.from({ length: UPSTREAMS }, (_, i) => startSampleServer({ name: `u${i}` })));
      const gateway = await startApp({
        redisUrl: redis.url,
        healthCheckIntervalSeconds: 1,
        classification: { ...testAppConfig().classification, intervalSeconds: 1 },
        pollConcurrency: 10,
        // Generous: a slow machine must not turn this into a test of failing upstreams.
        upstreamTimeoutMs: 5000,
      });
      for (const s of servers) await gateway.get(UpstreamsService).create({ name: s.name, url: s.url });
      const health = gateway.get(HealthPoller);
      const discovery = gateway.get(DiscoveryPoller);
      await health.runOnce();
      await discovery.runOnce();

      await redis.down();
      const from = logs.lines.length;
      let polled = 0;
      for (let i = 0; i < ROUNDS; i++) {
        // A hot interval (1 s) apart: each round fails open and polls every upstream again.
        await new Promise((r) => setTimeout(r, 1100));
        for (const outcome of [await health.runOnce(), await discovery.runOnce()]) {
          polled += outcome.succeeded + outcome.failed;
        }
      }
      const during = shown(logs.lines.slice(from));

      // Every upstream polled in every round (a loaded machine may leave a few unstarted within their lease).
      expect(polled).toBeGreaterThanOrEqual(UPSTREAMS * ROUNDS);
      // Once per outage: the app's Redis client, the module's two connections, the poll gate's
      // first warning; then at most one summary per interval, here at most one per round of each kind.
      expect(during.length).toBeLessThanOrEqual(4 + 2 * ROUNDS);
      expect(during.filter((line) => /\bu\d+\b/.test(line))).toEqual([]);
      expect(during.filter((line) => line.includes(classificationMessages.pollStoreDown('')))).toHaveLength(1);

      await redis.up();
      const back = logs.lines.length;
      const deadline = Date.now() + 10_000;
      let recovered: string[] = [];
      while (recovered.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        await health.runOnce();
        recovered = shown(logs.lines.slice(back)).filter((line) => line.includes('Poll store reachable again'));
      }
      expect(recovered).toHaveLength(1);
    } finally {
      // The app first, while its Redis still answers QUIT.
      await app?.close();
      app = undefined;
      await redis.down();
    }
  });
});
