import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type Redis from 'ioredis';
import {
  ListDirectory,
  ListPool,
  compileClassification,
  deletePrefix,
  gateways,
  newRedis,
  testPrefix,
} from '../test/support';
import { commonMessages } from '@app/common';
import type { ClassificationStore } from './classification-store';
import { ClassificationModule } from './classification.module';
import { classificationMessages as messages } from './classification.messages';
import type { ClassificationModuleOptions } from './classification.options';
import { CLASSIFICATION_TASK, ClassificationScheduler } from './classification.scheduler';
import { classificationKeys } from './keys';
import type { LeaderLock } from './leader-lock';
import { PollGate } from './poll-gate';
import { CLASSIFICATION_STORE, LEADER_LOCK } from './tokens';

const INTERVAL = 10;

describe('ClassificationScheduler with Redis (two workers)', () => {
  let redis: Redis;
  let prefix: string;
  let directory: ListDirectory;
  let pool: ListPool;
  const open: TestingModule[] = [];

  const worker = async (instanceId: string): Promise<TestingModule> => {
    const module = await compileClassification({
      intervalSeconds: INTERVAL,
      redis,
      keyPrefix: prefix,
      instanceId,
      sessionPool: pool,
      upstreamDirectory: directory,
    });
    open.push(module);
    return module;
  };
  const keys = () => classificationKeys(prefix);

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = testPrefix();
    const list = gateways(10);
    directory = new ListDirectory(list);
    pool = new ListPool(
      list
        .slice(0, 4)
        .map((g, i) => ({ url: g.url, gatewayId: g.id, lastUsed: 1_000_000 + i, useCount: 1, active: false })),
    );
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
    await deletePrefix(redis, prefix);
  });

  it('elects exactly one leader among workers that run a cycle at once', async () => {
    const [a, b] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    const results = await Promise.all([a, b].map((m) => m.get(ClassificationScheduler).runOnce()));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const leaders = [a, b].filter((m) => m.get(ClassificationScheduler).isLeader());
    expect(leaders).toHaveLength(1);
    const leaderId = leaders[0] === a ? 'worker-a' : 'worker-b';
    expect(await redis.get(keys().leader)).toBe(leaderId);
  });

  it('holds the lock for three intervals and renews it every cycle', async () => {
    const a = await worker('worker-a');
    await a.get(ClassificationScheduler).runOnce();
    expect(await redis.ttl(keys().leader)).toBeGreaterThan(3 * INTERVAL - 2);
    await redis.expire(keys().leader, 5);
    await a.get(ClassificationScheduler).runOnce();
    expect(await redis.ttl(keys().leader)).toBeGreaterThan(3 * INTERVAL - 2);
    expect(await redis.get(keys().leader)).toBe('worker-a');
  });

  it('publishes a classification that every worker reads', async () => {
    const [a, b] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    const result = await a.get(ClassificationScheduler).runOnce();
    expect(result?.hot).toEqual(['https://up-3.example/mcp', 'https://up-2.example/mcp']);
    const gate = b.get(PollGate);
    expect(await gate.getServerClassification('https://up-3.example/mcp')).toBe('hot');
    expect(await gate.getServerClassification('https://up-9.example/mcp')).toBe('cold');
    expect(await b.get(ClassificationScheduler).runOnce()).toBeNull();
  });

  it('releases the lock on shutdown so another worker leads at its next cycle', async () => {
    const [a, b] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    await a.get(ClassificationScheduler).runOnce();
    expect(await b.get(ClassificationScheduler).runOnce()).toBeNull();
    await a.close();
    expect(await redis.exists(keys().leader)).toBe(0);
    expect(await b.get(ClassificationScheduler).runOnce()).not.toBeNull();
    expect(await redis.get(keys().leader)).toBe('worker-b');
  });

  it('leaves another worker’s lock alone when it shuts down as a follower', async () => {
    const [a, b] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    await a.get(ClassificationScheduler).runOnce();
    await b.get(ClassificationScheduler).runOnce();
    await b.close();
    expect(await redis.get(keys().leader)).toBe('worker-a');
  });

  it('keeps leading after the Redis script cache is flushed', async () => {
    const a = await worker('worker-a');
    await a.get(ClassificationScheduler).runOnce();
    await redis.script('FLUSH');
    expect(await a.get(ClassificationScheduler).runOnce()).not.toBeNull();
    expect(await redis.get(keys().leader)).toBe('worker-a');
  });

  it('does not overwrite a newer leader’s classification after losing the lock', async () => {
    const a = await worker('worker-a');
    await a.get(ClassificationScheduler).runOnce();
    await redis.set(keys().leader, 'worker-new', 'EX', 30);
    await redis.del(keys().hot);
    await redis.sadd(keys().hot, 'https://newer.example/mcp');
    expect(await a.get(ClassificationScheduler).runOnce()).toBeNull();
    expect(await redis.smembers(keys().hot)).toEqual(['https://newer.example/mcp']);
    expect(a.get(ClassificationScheduler).isLeader()).toBe(false);
  });

  it('skips the cycle when no gateway is enabled', async () => {
    directory.gateways = [];
    const a = await worker('worker-a');
    expect(await a.get(ClassificationScheduler).runOnce()).toBeNull();
    expect(await redis.exists(keys().hot, keys().cold, keys().metadata)).toBe(0);
  });
});

describe('ClassificationScheduler lifecycle', () => {
  it('starts once, refuses a second start, and stops twice without error', async () => {
    const module = await compileClassification({ sessionPool: new ListPool() });
    const scheduler = module.get(ClassificationScheduler);
    expect(scheduler.start()).toBe(true);
    expect(scheduler.start()).toBe(false);
    expect(scheduler.status().running).toBe(true);
    await scheduler.stop();
    await scheduler.stop();
    expect(scheduler.status().running).toBe(false);
    await module.close();
  });

  it('runs its first cycle at bootstrap and stops with the application', async () => {
    const directory = new ListDirectory(gateways(5));
    const pool = new ListPool([
      { url: 'https://up-1.example/mcp', gatewayId: 'gw-1', lastUsed: 5, useCount: 1, active: true },
    ]);
    const module = await compileClassification({ sessionPool: pool, upstreamDirectory: directory });
    const app = module.createNestApplication();
    await app.init();
    const scheduler = app.get(ClassificationScheduler);
    await waitFor(() => scheduler.getLastResult() !== null);
    expect(scheduler.getLastResult()?.hot).toEqual(['https://up-1.example/mcp']);
    await app.close();
    expect(scheduler.status().running).toBe(false);
  });

  it('starts no loop when the module is disabled', async () => {
    const module = await compileClassification({ enabled: false, sessionPool: new ListPool() });
    const app = module.createNestApplication();
    await app.init();
    const scheduler = app.get(ClassificationScheduler);
    expect(scheduler.status()).toMatchObject({ enabled: false, running: false });
    expect(scheduler.start()).toBe(false);
    await app.close();
  });

  it('reports a failing cycle and backs off instead of dying', async () => {
    const failing = { listEnabled: () => Promise.reject(new Error('database is down')) };
    const module = await compileClassification({
      sessionPool: new ListPool(),
      upstreamDirectory: failing,
      intervalSeconds: 1,
      errorBackoffSeconds: 0.05,
    });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await waitFor(() => scheduler.status().consecutiveFailures >= 2);
    expect(scheduler.status()).toMatchObject({ running: true, lastError: 'database is down' });
    await module.close();
  });
});

describe('ClassificationScheduler cycle budget', () => {
  it('abandons a cycle that runs past 0.8 of the lock TTL and reports it', async () => {
    const hanging = { listEnabled: () => new Promise<never>(() => undefined) };
    // interval 0.25 s -> lock TTL 1 s -> a cycle may take 800 ms.
    const module = await compileClassification({
      sessionPool: new ListPool(),
      upstreamDirectory: hanging,
      intervalSeconds: 0.25,
      errorBackoffSeconds: 60,
    });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await waitFor(() => scheduler.status().lastError !== null);
    expect(scheduler.status().lastError).toBe(commonMessages.deadlineExceeded(CLASSIFICATION_TASK, 800));
    expect(scheduler.status().running).toBe(true);
    await module.close();
  });

  it('runs the next cycle even though an abandoned one never finishes', async () => {
    let calls = 0;
    const hangsOnce = {
      listEnabled: () => (calls++ === 0 ? new Promise<never>(() => undefined) : Promise.resolve(gateways(5))),
    };
    const module = await compileClassification({
      sessionPool: new ListPool([
        { url: 'https://up-2.example/mcp', gatewayId: 'gw-2', lastUsed: 9, useCount: 1, active: false },
      ]),
      upstreamDirectory: hangsOnce,
      intervalSeconds: 0.25,
      errorBackoffSeconds: 0.05,
    });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await waitFor(() => scheduler.getLastResult() !== null);
    expect(scheduler.getLastResult()?.hot).toEqual(['https://up-2.example/mcp']);
    await module.close();
  });
});

/** A lock the test drives: it leads while `leading`, and counts (or holds up) its renewals. */
class ScriptedLock implements LeaderLock {
  readonly instanceId = 'worker-a';
  leading = true;
  renewals = 0;
  /** While set, every renewal hangs until the test answers it. */
  holdRenewals = false;
  constructor(readonly renewEveryMs: number) {}
  async tryAcquire(): Promise<boolean> {
    return this.leading;
  }
  renew(): Promise<boolean> {
    this.renewals += 1;
    return this.holdRenewals ? new Promise<never>(() => undefined) : Promise.resolve(this.leading);
  }
  async release(): Promise<boolean> {
    this.leading = false;
    return true;
  }
  isLeader(): boolean {
    return this.leading;
  }
}

async function withLock(
  lock: LeaderLock,
  options: Partial<ClassificationModuleOptions> & Pick<ClassificationModuleOptions, 'upstreamDirectory'>,
): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [
      ClassificationModule.forRoot({
        enabled: true,
        intervalSeconds: 0.25,
        errorBackoffSeconds: 0.05,
        sessionPool: new ListPool([
          { url: 'https://up-1.example/mcp', gatewayId: 'gw-1', lastUsed: 5, useCount: 1, active: false },
        ]),
        ...options,
      }),
    ],
  })
    .overrideProvider(LEADER_LOCK)
    .useValue(lock)
    .compile();
}

describe('ClassificationScheduler and its lock renewals', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('renews the lock on its own timer while every cycle hangs', async () => {
    const lock = new ScriptedLock(20);
    let answer: () => void = () => undefined;
    const hung = new Promise<ReturnType<typeof gateways>>((resolve) => (answer = () => resolve([])));
    const module = await withLock(lock, { upstreamDirectory: { listEnabled: () => hung } });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(lock.renewals).toBeGreaterThanOrEqual(5);
    expect(scheduler.isLeader()).toBe(true);
    answer();
    await module.close();
  });

  it('runs its cycles while a renewal hangs', async () => {
    const lock = new ScriptedLock(20);
    lock.holdRenewals = true;
    let calls = 0;
    const directory = { listEnabled: async () => (calls++, gateways(5)) };
    const module = await withLock(lock, { upstreamDirectory: directory });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await waitFor(() => calls >= 3);
    expect(scheduler.getLastResult()?.hot).toEqual(['https://up-1.example/mcp']);
    await module.close();
  });

  it('does not publish when its leadership lapses during the cycle', async () => {
    const lock = new ScriptedLock(1000);
    const module = await withLock(lock, { upstreamDirectory: new ListDirectory(gateways(5)) });
    const publish = jest.spyOn(module.get<ClassificationStore>(CLASSIFICATION_STORE), 'publish');
    // The lock is confirmed at the start of the cycle, and lapses before the publish.
    jest.spyOn(lock, 'tryAcquire').mockImplementation(async () => {
      lock.leading = false;
      return true;
    });

    expect(await module.get(ClassificationScheduler).runOnce()).toBeNull();

    expect(publish).not.toHaveBeenCalled();
    expect(Logger.prototype.warn).toHaveBeenCalledWith(messages.leadershipLapsedBeforePublish());
    await module.close();
  });

  it('does not publish from a cycle that was abandoned and overtaken by a newer one', async () => {
    const lock = new ScriptedLock(1000);
    let calls = 0;
    // The first cycle's registry read takes 1.2 s (its budget is 0.6 s), and sees only 3 upstreams.
    const directory = {
      listEnabled: () =>
        calls++ === 0
          ? new Promise<ReturnType<typeof gateways>>((r) => setTimeout(() => r(gateways(3)), 1200))
          : Promise.resolve(gateways(5)),
    };
    const module = await withLock(lock, { upstreamDirectory: directory, intervalSeconds: 0.25 });
    const store = module.get<ClassificationStore>(CLASSIFICATION_STORE);
    const totals: number[] = [];
    const publish = store.publish.bind(store);
    jest.spyOn(store, 'publish').mockImplementation((result, ...rest) => {
      totals.push(result.metadata.totalServers);
      return publish(result, ...rest);
    });
    const scheduler = module.get(ClassificationScheduler);
    scheduler.start();
    await new Promise((r) => setTimeout(r, 1500));
    await module.close();

    expect(totals.length).toBeGreaterThan(0);
    expect(totals.every((n) => n === 5)).toBe(true);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(messages.cycleOvertaken());
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
