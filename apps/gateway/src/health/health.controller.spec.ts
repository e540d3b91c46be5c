import type { INestApplication } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule, type HealthIndicatorResult } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ClassificationHealthIndicator } from '@app/classification';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testAppConfig } from '../../test/support/test-app-config';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';
import { CatalogHealthIndicator } from './catalog.health';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { HealthReport, healthMessages } from './health-report';
import { RedisHealthIndicator } from './redis.health';

type Entry = 'up' | 'degraded' | 'down';

/** Indicators the test sets by hand: each answers what `states` says now. */
function scriptedIndicators() {
  const health = new HealthIndicatorService();
  const states: Record<'database' | 'catalog' | 'redis' | 'classification', Entry> = {
    database: 'up',
    catalog: 'up',
    redis: 'up',
    classification: 'up',
  };
  const answer = <Key extends string>(key: Key, state: Entry): HealthIndicatorResult<Key> => {
    const indicator = health.check(key);
    if (state === 'down') return indicator.down({ message: `${key} is down` });
    return state === 'degraded' ? indicator.up({ degraded: true, message: `${key} is degraded` }) : indicator.up();
  };
  return {
    states,
    database: { isHealthy: async (key: 'database') => answer(key, states.database) },
    catalog: { isHealthy: async (key: 'catalog') => answer(key, states.catalog) },
    redis: { configured: true, isHealthy: async (key: 'redis') => answer(key, states.redis) },
    classification: { isHealthy: (key: 'classification') => answer(key, states.classification) },
  };
}

describe('HealthController', () => {
  let app: INestApplication;
  let logs: CaptureLogger;
  let shutdown: GracefulShutdown;
  let indicators: ReturnType<typeof scriptedIndicators>;

  const get = (path: string) => request(app.getHttpServer()).get(path);
  const healthLines = () => logs.lines.filter((line) => / Health$|Health Check/.test(line));

  beforeEach(async () => {
    indicators = scriptedIndicators();
    shutdown = new GracefulShutdown(testAppConfig());
    const module = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'pretty' })],
      controllers: [HealthController],
      providers: [
        HealthReport,
        { provide: DatabaseHealthIndicator, useValue: indicators.database },
        { provide: CatalogHealthIndicator, useValue: indicators.catalog },
        { provide: RedisHealthIndicator, useValue: indicators.redis },
        { provide: ClassificationHealthIndicator, useValue: indicators.classification },
        { provide: GracefulShutdown, useValue: shutdown },
      ],
    }).compile();
    logs = new CaptureLogger();
    app = module.createNestApplication({ logger: logs });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  it('answers /health/ready 503 (draining) from the shutdown signal on, while /health/live stays 200', async () => {
    const serving = await get('/health/ready').expect(200);
    expect(serving.body.details.lifecycle).toEqual({ status: 'up', draining: false });

    shutdown.begin('SIGTERM');

    const draining = await get('/health/ready').expect(503);
    expect(draining.body).toMatchObject({
      status: 'error',
      error: { lifecycle: { status: 'down', draining: true, message: healthMessages.draining() } },
    });
    const live = await get('/health/live').expect(200);
    expect(live.body).toEqual({
      status: 'ok',
      info: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
      error: {},
      details: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
      degraded: [],
    });
  });

  it('keeps /health and /health/ready at 200 with Redis degraded, and logs the change once', async () => {
    indicators.states.redis = 'degraded';
    for (let i = 0; i < 20; i += 1) await get('/health').expect(200);
    const ready = await get('/health/ready').expect(200);
    expect(ready.body.degraded).toEqual(['redis']);
    expect(ready.body.details.redis).toEqual({ status: 'up', degraded: true, message: 'redis is degraded' });

    indicators.states.redis = 'up';
    await get('/health').expect(200);
    expect(healthLines()).toEqual([
      `warn ${healthMessages.changed('redis', 'up', 'degraded', 'redis is degraded')} Health`,
      `log ${healthMessages.changed('redis', 'degraded', 'up', undefined)} Health`,
    ]);
  });

  it('fails /health on a classifier that is down, but only reports it (degraded) in /health/ready', async () => {
    indicators.states.classification = 'down';
    const full = await get('/health').expect(503);
    expect(full.body.error.classification).toMatchObject({ status: 'down' });
    const ready = await get('/health/ready').expect(200);
    expect(ready.body.details.classification).toMatchObject({ status: 'up', degraded: true });
    // Logged as it is (down), once, whichever endpoint saw it.
    expect(healthLines()).toEqual([
      `warn ${healthMessages.changed('classification', 'up', 'down', 'classification is down')} Health`,
    ]);
  });

  it('is not ready without a catalog: neither the database nor a last good copy', async () => {
    indicators.states.catalog = 'down';
    const ready = await get('/health/ready').expect(503);
    expect(ready.body.error.catalog).toMatchObject({ status: 'down' });
    expect(logs.text()).not.toContain('Health Check has failed');
  });
});
