import type { TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { PrivateRedis } from '../test/private-redis';
import { ListDirectory, ListPool, compileClassification, gateways, testPrefix } from '../test/support';
import { ClassificationScheduler } from './classification.scheduler';
import { classificationKeys } from './keys';
import { PollGate } from './poll-gate';

const url = 'https://up-3.example/mcp';

/** Faults of a real redis-server of the test's own: hangs and restarts. */
describe('Classification under Redis faults', () => {
  let server: PrivateRedis;
  let client: Redis;
  let worker: TestingModule;
  let prefix: string;

  beforeEach(async () => {
    server = await PrivateRedis.start();
    client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    prefix = testPrefix();
    const list = gateways(5);
    worker = await compileClassification({
      redis: client,
      keyPrefix: prefix,
      instanceId: 'worker-a',
      intervalSeconds: 10,
      sessionPool: new ListPool([{ url: list[3].url, gatewayId: 'gw-3', lastUsed: 1, useCount: 1, active: false }]),
      upstreamDirectory: new ListDirectory(list),
    });
    await worker.get(ClassificationScheduler).runOnce();
  });

  afterEach(async () => {
    server.thaw();
    await worker.close();
    client.disconnect();
    await server.down();
  });

  it('still answers poll decisions (poll) within about a second while Redis hangs', async () => {
    const gate = worker.get(PollGate);
    await gate.markPollCompleted(url, 'tool_discovery', 'gw-3');
    expect(await gate.shouldPollServer(url, 'tool_discovery', 'gw-3')).toBe(false);
    server.freeze();
    const started = Date.now();
    const decisions = await Promise.all([1, 2, 3].map(() => gate.shouldPollServer(url, 'tool_discovery', 'gw-3')));
    expect(decisions).toEqual([true, true, true]);
    expect(Date.now() - started).toBeLessThan(1600);
  });

  it('stops claiming leadership while Redis hangs, and leads again once it answers', async () => {
    const scheduler = worker.get(ClassificationScheduler);
    expect(scheduler.isLeader()).toBe(true);
    server.freeze();
    expect(await scheduler.runOnce()).toBeNull();
    expect(scheduler.isLeader()).toBe(false);
    server.thaw();
    await eventually(async () => (await scheduler.runOnce()) !== null);
    expect(scheduler.isLeader()).toBe(true);
  });

  it('reconnects after a Redis restart, leads again and republishes the lost classification', async () => {
    const scheduler = worker.get(ClassificationScheduler);
    await server.restart();
    const check = new Redis(server.url);
    try {
      expect(await check.exists(classificationKeys(prefix).hot)).toBe(0);
      await eventually(async () => (await scheduler.runOnce()) !== null);
      expect(await check.smembers(classificationKeys(prefix).hot)).toEqual([url]);
      expect(await check.get(classificationKeys(prefix).leader)).toBe('worker-a');
    } finally {
      check.disconnect();
    }
  });
});

async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
