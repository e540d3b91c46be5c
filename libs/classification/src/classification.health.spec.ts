import { HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { ClassificationModule } from './classification.module';
import type { ClassificationStore } from './classification-store';
import { ClassificationHealthIndicator, FAILURES_BEFORE_DOWN } from './classification.health';
import { classificationMessages as messages } from './classification.messages';
import { ClassificationScheduler, type SchedulerStatus } from './classification.scheduler';
import { ListDirectory, ListPool, ManualClock, gateways } from '../test/support';
import type { ClassificationConfig, ClassificationModuleOptions } from './classification.options';

async function healthOf(options: Partial<ClassificationModuleOptions>) {
  const module = await Test.createTestingModule({
    imports: [
      TerminusModule,
      ClassificationModule.forRoot({
        enabled: true,
        intervalSeconds: 60,
        sessionPool: new ListPool([
          { url: 'https://up-0.example/mcp', gatewayId: 'gw-0', lastUsed: 1, useCount: 1, active: false },
        ]),
        upstreamDirectory: new ListDirectory(gateways(5)),
        ...options,
      }),
    ],
  }).compile();
  const check = () =>
    module.get(HealthCheckService).check([() => module.get(ClassificationHealthIndicator).isHealthy('classification')]);
  return { module, check };
}

describe('ClassificationHealthIndicator', () => {
  it('reports up with the store mode, leadership and the last result', async () => {
    const clock = new ManualClock();
    const { module, check } = await healthOf({ clock });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await scheduler.runOnce();
    clock.advance(5000);
    const result = await check();
    expect(result.status).toBe('ok');
    expect(result.details.classification).toMatchObject({
      status: 'up',
      enabled: true,
      store: 'memory',
      leader: true,
      hot: 1,
      cold: 4,
      total: 5,
      lastRunAgeSeconds: 5,
      lastError: null,
    });
    await module.close();
  });

  it('reports down when the loop is not running although enabled', async () => {
    const { module, check } = await healthOf({});
    await expect(check()).rejects.toMatchObject({
      response: { details: { classification: { status: 'down', message: 'classification loop is not running' } } },
    });
    await module.close();
  });

  it('reports down after repeated failed cycles, naming the cause', async () => {
    const { module, check } = await healthOf({
      intervalSeconds: 1,
      errorBackoffSeconds: 0.02,
      upstreamDirectory: { listEnabled: () => Promise.reject(new Error('registry unreachable')) },
    });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    while (scheduler.status().consecutiveFailures < 3) await new Promise((r) => setTimeout(r, 10));
    await expect(check()).rejects.toMatchObject({
      response: { details: { classification: { status: 'down', lastError: 'registry unreachable' } } },
    });
    await module.close();
  });

  it('reports degraded, not down, when cycles keep failing on Redis (the store), and down when on the registry', () => {
    const status = (failingOn: 'store' | 'registry'): SchedulerStatus => ({
      enabled: true,
      running: true,
      leader: false,
      instanceId: 'worker-a',
      lastRunAt: null,
      lastResult: null,
      lastError: 'Connection is closed.',
      consecutiveFailures: FAILURES_BEFORE_DOWN,
      failingOn,
    });
    const indicatorFor = (failingOn: 'store' | 'registry') =>
      new ClassificationHealthIndicator(
        new HealthIndicatorService(),
        { status: () => status(failingOn) } as unknown as ClassificationScheduler,
        { clock: { now: () => 0 } } as unknown as ClassificationConfig,
        { mode: 'redis' } as unknown as ClassificationStore,
      );

    expect(indicatorFor('store').isHealthy('classification').classification).toMatchObject({
      status: 'up',
      degraded: true,
      message: messages.cyclesFailingOnRedis(FAILURES_BEFORE_DOWN),
    });
    expect(indicatorFor('registry').isHealthy('classification').classification).toMatchObject({
      status: 'down',
      message: messages.cyclesFailing(FAILURES_BEFORE_DOWN),
    });
  });

  it('reports up, without a loop, when classification is disabled', async () => {
    const { module, check } = await healthOf({ enabled: false });
    const result = await check();
    expect(result.details.classification).toMatchObject({ status: 'up', enabled: false });
    await module.close();
  });
});
