import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  ListDirectory,
  ListPool,
  compileClassification,
  deletePrefix,
  gateways,
  newRedis,
  testPrefix,
} from '../test/support';
import { ClassificationScheduler } from './classification.scheduler';
import { FleetUsage } from './fleet-usage';
import { classificationKeys } from './keys';
import { mergeUsage } from './usage-summary';

/** Several workers on one real Redis, each with its own pool; only usage moves between them. */
describe('Fleet usage', () => {
  let redis: Redis;
  let prefix: string;
  const modules: TestingModule[] = [];
  const list = gateways(10);

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = testPrefix();
  });
  afterEach(async () => {
    await Promise.all(modules.splice(0).map((m) => m.close()));
    await deletePrefix(redis, prefix);
  });

  async function worker(instanceId: string, pool: ListPool, intervalSeconds = 60): Promise<ClassificationScheduler> {
    const module = await compileClassification({
      redis,
      keyPrefix: prefix,
      instanceId,
      intervalSeconds,
      sessionPool: pool,
      upstreamDirectory: new ListDirectory(list),
    });
    modules.push(module);
    return module.get(ClassificationScheduler);
  }

  const use = (i: number, lastUsed = Date.now()) => ({
    url: list[i].url,
    gatewayId: list[i].id,
    lastUsed,
    useCount: 1,
    active: false,
  });

  it("makes upstreams used only through followers hot, and merges every worker's usage", async () => {
    const leader = await worker('leader', new ListPool());
    expect((await leader.runOnce())?.hot).toEqual([]);
    const a = await worker('a', new ListPool([use(3, Date.now() - 1000)]));
    const b = await worker('b', new ListPool([use(7, Date.now() - 2000), use(3, Date.now() - 5000)]));
    expect(await a.runOnce()).toBeNull();
    expect(await b.runOnce()).toBeNull();
    const result = await leader.runOnce();
    expect(result?.hot).toEqual([list[3].url, list[7].url]);
    expect(result?.metadata.eligibleCount).toBe(2);
  });

  it('stops counting a dead worker once its summary expires', async () => {
    const leader = await worker('leader', new ListPool(), 1);
    await leader.runOnce();
    const doomed = await worker('doomed', new ListPool([use(5)]), 1);
    await doomed.runOnce();
    expect((await leader.runOnce())?.hot).toEqual([list[5].url]);
    // Killed: it never publishes again. Its summary lives two intervals.
    await modules.pop()?.close();
    await new Promise((r) => setTimeout(r, 2200));
    expect((await leader.runOnce())?.hot).toEqual([]);
  });

  it('ignores tampered summaries, warning once per worker, and still counts the good ones', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const keys = classificationKeys(prefix);
      const leader = await worker('leader', new ListPool());
      await leader.runOnce();
      const honest = await worker('honest', new ListPool([use(2)]));
      await honest.runOnce();
      const now = Date.now();
      const bad: Record<string, string | null> = {
        garbage: 'xyz{',
        wrongShape: JSON.stringify({ v: 1, worker: 'x', at: now, usage: { 'gw-6': [now, 0, 1] } }),
        huge: JSON.stringify({ v: 1, worker: 'x', at: now, usage: ['gw-9', now, 1e300, 1] }),
        future: JSON.stringify({ v: 1, worker: 'x', at: now, usage: ['gw-8', now + 3_600_000, 0, 1] }),
        negative: JSON.stringify({ v: 1, worker: 'x', at: now, usage: ['gw-7', -5, 0, 1] }),
        ragged: JSON.stringify({ v: 1, worker: 'x', at: now, usage: ['gw-5', now, 0] }),
        wrongType: null,
      };
      for (const [name, value] of Object.entries(bad)) {
        await redis.sadd(keys.usageWorkers, name);
        if (value === null) await redis.hset(keys.usagePrefix + name, 'a', 'b');
        else await redis.set(keys.usagePrefix + name, value, 'EX', 60);
      }
      expect((await leader.runOnce())?.hot).toEqual([list[2].url]);
      expect((await leader.runOnce())?.hot).toEqual([list[2].url]);
      const refusals = warn.mock.calls.map(([line]) => String(line)).filter((l) => l.includes('Ignoring the usage'));
      expect(refusals).toHaveLength(Object.keys(bad).length);
    } finally {
      warn.mockRestore();
    }
  });

  it('repairs a workers key of the wrong type instead of failing every publish', async () => {
    const keys = classificationKeys(prefix);
    await redis.set(keys.usageWorkers, 'not a set');
    const leader = await worker('leader', new ListPool([use(4)]));
    expect((await leader.runOnce())?.hot).toEqual([list[4].url]);
    expect(await redis.type(keys.usageWorkers)).toBe('set');
  });

  it('lists every live worker with the time of its summary', async () => {
    const leader = await worker('leader', new ListPool());
    const follower = await worker('follower', new ListPool([use(1)]));
    await leader.runOnce();
    await follower.runOnce();
    const fleet = await modules[0].get(FleetUsage).read();
    expect(fleet.summaries.map((s) => s.instanceId).sort()).toEqual(['follower', 'leader']);
    expect(mergeUsage(fleet.summaries.map((s) => s.usage)).get('gw-1')).toMatchObject({ uses: 1, active: 0 });
  });
});
