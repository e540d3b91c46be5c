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
import { classificationMessages as messages } from './classification.messages';
import { ClassificationScheduler } from './classification.scheduler';
import { classificationKeys, pollScopeHash } from './keys';
import { PollGate } from './poll-gate';

const INTERVAL = 60;
const hot = 'https://up-0.example/mcp';
const cold = 'https://up-3.example/mcp';

describe('PollGate with Redis', () => {
  let redis: Redis;
  let prefix: string;
  let leader: TestingModule;
  let follower: TestingModule;
  let gate: PollGate;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.quit());

  beforeEach(async () => {
    prefix = testPrefix();
    const list = gateways(5);
    const pool = new ListPool([{ url: hot, gatewayId: 'gw-0', lastUsed: Date.now(), useCount: 3, active: true }]);
    const options = {
      intervalSeconds: INTERVAL,
      redis,
      keyPrefix: prefix,
      sessionPool: pool,
      upstreamDirectory: new ListDirectory(list),
    };
    [leader, follower] = await Promise.all([compileClassification(options), compileClassification(options)]);
    await leader.get(ClassificationScheduler).runOnce();
    gate = follower.get(PollGate);
  });
  afterEach(async () => {
    await Promise.all([leader.close(), follower.close()]);
    await deletePrefix(redis, prefix);
  });

  const pollKey = (url: string, id: string) => classificationKeys(prefix).pollState(url, 'tool_discovery', id);

  it('follows the classification another worker published', async () => {
    expect(await gate.getServerClassification(hot)).toBe('hot');
    expect(await gate.getServerClassification(cold)).toBe('cold');
  });

  it('writes the poll time under the seed’s key name with a TTL of two of the class’s intervals', async () => {
    await gate.markPollCompleted(hot, 'tool_discovery', 'gw-0');
    await gate.markPollCompleted(cold, 'health', 'gw-3');
    const hotKey = `${prefix}:server_poll_state:${pollScopeHash(hot, 'gw-0')}:last_tool_discovery`;
    const coldKey = `${prefix}:server_poll_state:${pollScopeHash(cold, 'gw-3')}:last_health`;
    expect(Number(await redis.get(hotKey))).toBeCloseTo(Date.now() / 1000, -1);
    expect(await redis.ttl(hotKey)).toBeGreaterThan(2 * INTERVAL - 3);
    expect(await redis.ttl(hotKey)).toBeLessThanOrEqual(2 * INTERVAL);
    expect(await redis.ttl(coldKey)).toBeGreaterThan(6 * INTERVAL - 3);
    expect(await redis.ttl(coldKey)).toBeLessThanOrEqual(6 * INTERVAL);
  });

  it('skips a cold server polled a moment ago and polls a hot one polled an interval ago', async () => {
    await redis.set(pollKey(cold, 'gw-3'), String(Date.now() / 1000 - 10));
    await redis.set(pollKey(hot, 'gw-0'), String(Date.now() / 1000 - INTERVAL));
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(false);
    expect(await gate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(true);
  });

  it('reads poll times written by the seed (Python float seconds)', async () => {
    await redis.set(pollKey(cold, 'gw-3'), (Date.now() / 1000 - 5).toFixed(6));
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(false);
  });

  it.each([
    ['a far-future time', '9999999999999'],
    ['a time 2 minutes ahead', () => String(Date.now() / 1000 + 120)],
    ['a negative time', '-5'],
    ['text', 'abc'],
    ['an empty string', ''],
    ['an overflowing number', '1e400'],
    ['hexadecimal', '0x10'],
    ['a padded number', ' 12 '],
    ['a 1 MB string', '9'.repeat(1_000_000)],
  ])('polls a server whose stored poll time is %s', async (_label, value) => {
    await redis.set(pollKey(cold, 'gw-3'), typeof value === 'function' ? value() : value);
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('polls a server whose stored poll time is further ahead than its interval, though within a minute', async () => {
    const fastOptions = {
      intervalSeconds: 2,
      redis,
      keyPrefix: prefix,
      sessionPool: new ListPool([{ url: hot, gatewayId: 'gw-0', lastUsed: Date.now(), useCount: 3, active: true }]),
      upstreamDirectory: new ListDirectory(gateways(5)),
    };
    const fast = await compileClassification(fastOptions);
    try {
      await fast.get(ClassificationScheduler).runOnce();
      const fastGate = fast.get(PollGate);
      await redis.set(pollKey(hot, 'gw-0'), String(Date.now() / 1000 + 30));
      expect(await fastGate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(true);
      expect(await fastGate.nextDueAt(hot, 'tool_discovery', 'gw-0')).toBeNull();
      const round = await fastGate.claimDue('tool_discovery', [{ id: 'gw-0', url: hot }], { leaseMs: 1000 });
      expect(round.due.map((u) => u.id)).toEqual(['gw-0']);
      await round.close();
      // With the 60 s interval, the same time counts as a poll just done (clock skew).
      await redis.set(pollKey(hot, 'gw-0'), String(Date.now() / 1000 + 30));
      expect(await gate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(false);
    } finally {
      await fast.close();
    }
  });

  it('polls a server whose poll key holds the wrong Redis type', async () => {
    await redis.rpush(pollKey(cold, 'gw-3'), 'x');
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('warns about a poll key of the wrong type on its own: Redis answered, so it is no outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await redis.rpush(pollKey(cold, 'gw-3'), 'x');
      expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(messages.decisionFailed(cold, 'WRONGTYPE')));
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining(messages.pollStoreDown('')));
    } finally {
      warn.mockRestore();
    }
  });

  it('never writes an upstream URL, with or without credentials, into Redis', async () => {
    const secret = 'https://up-3.example/mcp?api_key=CANARY123';
    await gate.markPollCompleted(secret, 'tool_discovery', 'gw-3');
    await gate.shouldPollServer(secret, 'tool_discovery', 'gw-3');
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.join('\n')).not.toContain('CANARY123');
    for (const key of keys.filter((k) => k.includes('server_poll_state'))) {
      expect(await redis.get(key)).not.toContain('CANARY123');
    }
  });
});

describe('PollGate when Redis is unreachable', () => {
  let dead: Redis;
  let module: TestingModule;

  beforeAll(async () => {
    // Port 1 refuses connections: Redis is "down" for this worker from the start.
    dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => 200 });
    dead.on('error', () => undefined);
    module = await compileClassification({ redis: dead, keyPrefix: testPrefix(), sessionPool: new ListPool() });
  });
  afterAll(async () => {
    await module.close();
    dead.disconnect();
  });

  it('decides to poll, and answers within about a second', async () => {
    const gate = module.get(PollGate);
    const started = Date.now();
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('records a completed poll without throwing', async () => {
    await expect(module.get(PollGate).markPollCompleted(cold, 'health')).resolves.toBeUndefined();
  });

  it('does not claim leadership', async () => {
    const scheduler = module.get(ClassificationScheduler);
    expect(await scheduler.runOnce()).toBeNull();
    expect(scheduler.isLeader()).toBe(false);
  });
});
