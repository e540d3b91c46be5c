import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ListPool } from '../test/support';
import { ClassificationModule } from './classification.module';
import { classificationMessages as messages } from './classification.messages';
import { ClassificationScheduler } from './classification.scheduler';
import type { LeaderLock } from './leader-lock';
import { LEADER_LOCK } from './tokens';

/** A lock that leads, and whose release (a Redis that froze) never answers. */
class FrozenReleaseLock implements LeaderLock {
  readonly instanceId = 'worker-frozen';
  readonly renewEveryMs = null;
  async tryAcquire(): Promise<boolean> {
    return true;
  }
  async renew(): Promise<boolean> {
    return true;
  }
  release(): Promise<boolean> {
    return new Promise<never>(() => undefined);
  }
  isLeader(): boolean {
    return true;
  }
}

describe('ClassificationScheduler shutdown', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('stops within shutdownTimeoutMs although its cycle hangs and the lock release never answers', async () => {
    const budgetMs = 400;
    let reads = 0;
    let answer: () => void = () => undefined;
    const hung = new Promise<never[]>((resolve) => (answer = () => resolve([])));
    const module = await Test.createTestingModule({
      imports: [
        ClassificationModule.forRoot({
          enabled: true,
          // A long interval: the cycle's own budget (0.8 of the lock TTL) is far beyond the stop.
          intervalSeconds: 60,
          sessionPool: new ListPool(),
          upstreamDirectory: {
            listEnabled: () => {
              reads += 1;
              return hung;
            },
          },
          shutdownTimeoutMs: budgetMs,
        }),
      ],
    })
      .overrideProvider(LEADER_LOCK)
      .useValue(new FrozenReleaseLock())
      .compile();
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    while (reads === 0) await new Promise((r) => setTimeout(r, 5));

    const started = Date.now();
    await scheduler.stop();
    const ms = Date.now() - started;

    expect(ms).toBeGreaterThanOrEqual(budgetMs - 20);
    // It returns at all (the release never answers); the margin is for a loaded machine.
    expect(ms).toBeLessThan(budgetMs + 5_000);
    expect(warnings).toContain(messages.stopOverran(240));
    expect(warnings.some((w) => w.startsWith('Shutdown step "leader lock release" overran'))).toBe(true);
    expect(scheduler.status().running).toBe(false);
    answer();
    await module.close();
  });

  it('records where failing cycles fail: on the registry when the directory cannot be read', async () => {
    const module = await Test.createTestingModule({
      imports: [
        ClassificationModule.forRoot({
          enabled: true,
          intervalSeconds: 1,
          errorBackoffSeconds: 0.02,
          sessionPool: new ListPool(),
          upstreamDirectory: { listEnabled: () => Promise.reject(new Error('registry unreachable')) },
        }),
      ],
    }).compile();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    while (scheduler.status().consecutiveFailures < 1) await new Promise((r) => setTimeout(r, 5));
    expect(scheduler.status()).toMatchObject({ failingOn: 'registry', lastError: 'registry unreachable' });
    await module.close();
  });
});
