import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { classificationKeys, type ClassificationKeys } from './keys';
import { formatEpochSeconds, serializeMetadata } from './metadata-wire';
import { RedisClassificationStore } from './redis-classification-store';
import { createClassificationConnections, type ClassificationConnections } from './redis-connections';
import type { ClassificationResult } from './types';

const TTL = 600;
const TOKEN = 'worker-a';
const POLL_TTLS = { hot: 600, cold: 1800 };

function result(
  hot: string[],
  cold: string[],
  overrides: Partial<ClassificationResult['metadata']> = {},
): ClassificationResult {
  return {
    hot,
    cold,
    metadata: {
      totalServers: hot.length + cold.length,
      hotCap: hot.length,
      hotActual: hot.length,
      eligibleCount: hot.length,
      timestamp: 1712345678123,
      ...overrides,
    },
  };
}

describe('RedisClassificationStore (real Redis)', () => {
  const runPrefix = `test:${randomUUID()}`;
  let admin: Redis;
  let connections: ClassificationConnections;
  let prefix: string;
  let keys: ClassificationKeys;
  let store: RedisClassificationStore;
  let caseCount = 0;

  beforeAll(async () => {
    admin = new Redis({ host: '127.0.0.1', port: 6379 });
    connections = await createClassificationConnections(admin, { intervalSeconds: 300 });
  });

  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    prefix = `${runPrefix}:${caseCount++}`;
    keys = classificationKeys(prefix);
    store = new RedisClassificationStore(connections, keys);
    await admin.set(keys.leader, TOKEN, 'EX', 900);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    const leftovers = await admin.keys(`${runPrefix}:*`);
    if (leftovers.length > 0) await admin.del(...leftovers);
    await connections.close();
    await admin.quit();
  });

  /** The published time is Redis's clock, in the seed's float format. */
  async function expectRedisTime(stamp: string | null): Promise<void> {
    expect(stamp).toMatch(/^\d+\.\d+$/);
    const [seconds] = await admin.time();
    expect(Math.abs(Number(stamp) - Number(seconds))).toBeLessThan(5);
  }

  async function expectTtlWithin(key: string, ttl: number): Promise<void> {
    const remaining = await admin.ttl(key);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(ttl);
  }

  describe('publish', () => {
    it('writes hot, cold, metadata and timestamp under the seed’s key names, each with the TTL', async () => {
      const written = await store.publish(
        result(['https://a.example/mcp'], ['https://b.example/mcp', 'https://c.example/mcp']),
        TTL,
        TOKEN,
      );

      expect(written).toBe(true);
      const base = `${prefix}:server_classification`;
      expect(await admin.smembers(`${base}:hot`)).toEqual(['https://a.example/mcp']);
      expect((await admin.smembers(`${base}:cold`)).sort()).toEqual(['https://b.example/mcp', 'https://c.example/mcp']);
      await expectRedisTime(await admin.get(`${base}:timestamp`));
      expect(await admin.type(`${base}:metadata`)).toBe('string');
      for (const suffix of ['hot', 'cold', 'metadata', 'timestamp']) await expectTtlWithin(`${base}:${suffix}`, TTL);
    });

    it('writes the metadata JSON with the seed’s field order, epoch seconds from Redis’s clock and a null reason', async () => {
      await store.publish(
        result(['h'], ['c1', 'c2', 'c3', 'c4'], { totalServers: 5, hotCap: 1, hotActual: 1, eligibleCount: 3 }),
        TTL,
        TOKEN,
      );

      const raw = await admin.get(`${prefix}:server_classification:metadata`);
      const stamp = await admin.get(`${prefix}:server_classification:timestamp`);
      await expectRedisTime(stamp);
      expect(raw).toBe(
        `{"total_servers":5,"hot_cap":1,"hot_actual":1,"eligible_count":3,"timestamp":${stamp},"underutilized_reason":null}`,
      );
      const parsed = JSON.parse(raw ?? '') as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual([
        'total_servers',
        'hot_cap',
        'hot_actual',
        'eligible_count',
        'timestamp',
        'underutilized_reason',
      ]);
      expect(parsed).toEqual({
        total_servers: 5,
        hot_cap: 1,
        hot_actual: 1,
        eligible_count: 3,
        timestamp: Number(stamp),
        underutilized_reason: null,
      });
    });

    it('writes the underutilization reason when there is one', async () => {
      const reason = 'Only 1 servers have pooled sessions, below hot_cap=2';
      await store.publish(
        result(['h'], ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'], {
          totalServers: 10,
          hotCap: 2,
          hotActual: 1,
          eligibleCount: 1,
          underutilizedReason: reason,
        }),
        TTL,
        TOKEN,
      );

      const parsed = JSON.parse((await admin.get(keys.metadata)) ?? '') as Record<string, unknown>;
      expect(parsed.underutilized_reason).toBe(reason);
      expect(parsed.hot_cap).toBe(2);
    });

    it('replaces the previous sets instead of merging into them', async () => {
      await store.publish(result(['old-hot'], ['old-cold']), TTL, TOKEN);
      await store.publish(result(['new-hot'], ['new-cold']), TTL, TOKEN);

      expect(await admin.smembers(keys.hot)).toEqual(['new-hot']);
      expect(await admin.smembers(keys.cold)).toEqual(['new-cold']);
    });

    it('leaves an empty set absent and still expires the other one', async () => {
      await store.publish(result(['stale-hot'], ['x']), TTL, TOKEN);
      await store.publish(result([], ['a', 'b']), TTL, TOKEN);

      expect(await admin.exists(keys.hot)).toBe(0);
      expect((await admin.smembers(keys.cold)).sort()).toEqual(['a', 'b']);
      await expectTtlWithin(keys.cold, TTL);
    });

    it('adds tens of thousands of members in chunks, beyond Lua’s unpack limit', async () => {
      const hot = Array.from({ length: 20_000 }, (_, i) => `https://hot-${i}.example/mcp`);
      const cold = Array.from({ length: 80_000 }, (_, i) => `https://cold-${i}.example/mcp`);

      expect(await store.publish(result(hot, cold), TTL, TOKEN)).toBe(true);

      expect(await admin.scard(keys.hot)).toBe(20_000);
      expect(await admin.scard(keys.cold)).toBe(80_000);
      expect(await admin.sismember(keys.hot, 'https://hot-19999.example/mcp')).toBe(1);
      expect(await admin.sismember(keys.cold, 'https://cold-0.example/mcp')).toBe(1);
      expect(await admin.sismember(keys.cold, 'https://hot-0.example/mcp')).toBe(0);
      await expectTtlWithin(keys.hot, TTL);
      await expectTtlWithin(keys.cold, TTL);
    });

    it('keeps the old classification when the lock belongs to another worker', async () => {
      await store.publish(result(['old-hot'], ['old-cold']), TTL, TOKEN);
      const metadataBefore = await admin.get(keys.metadata);
      const timestampBefore = await admin.get(keys.timestamp);
      await admin.set(keys.leader, 'worker-b', 'EX', 900);

      const written = await store.publish(result(['new-hot'], ['new-cold'], { timestamp: 1800000000000 }), TTL, TOKEN);

      expect(written).toBe(false);
      expect(await admin.smembers(keys.hot)).toEqual(['old-hot']);
      expect(await admin.smembers(keys.cold)).toEqual(['old-cold']);
      expect(await admin.get(keys.metadata)).toBe(metadataBefore);
      expect(await admin.get(keys.timestamp)).toBe(timestampBefore);
      expect(await admin.get(keys.leader)).toBe('worker-b');
    });

    it('writes nothing when the lock is gone', async () => {
      await admin.del(keys.leader);

      expect(await store.publish(result(['h'], ['c']), TTL, TOKEN)).toBe(false);

      expect(await admin.exists(keys.hot, keys.cold, keys.metadata, keys.timestamp, keys.leader)).toBe(0);
    });

    it('still publishes after SCRIPT FLUSH', async () => {
      await store.publish(result(['a'], ['b']), TTL, TOKEN);
      await admin.script('FLUSH');

      expect(await store.publish(result(['b'], ['a']), TTL, TOKEN)).toBe(true);
      expect(await admin.smembers(keys.hot)).toEqual(['b']);
    });

    it('rejects a TTL that is not a positive whole number of seconds', async () => {
      await expect(store.publish(result(['h'], []), 0, TOKEN)).rejects.toThrow(RangeError);
      await expect(store.publish(result(['h'], []), 1.5, TOKEN)).rejects.toThrow(RangeError);
    });
  });

  describe('reads', () => {
    beforeEach(async () => {
      await store.publish(result(['https://hot.example/mcp'], ['https://cold.example/mcp']), TTL, TOKEN);
    });

    it('reports hot, cold, or null for a server in no published set', async () => {
      expect(await store.getServerClass('https://hot.example/mcp')).toBe('hot');
      expect(await store.getServerClass('https://cold.example/mcp')).toBe('cold');
      expect(await store.getServerClass('https://unknown.example/mcp')).toBeNull();
    });

    it('reads the class and the raw poll value in one pipeline', async () => {
      const pollKey = keys.pollState('https://hot.example/mcp', 'health');
      await admin.set(pollKey, 'not-a-number');
      const pipeline = jest.spyOn(connections.gate, 'pipeline');
      const get = jest.spyOn(connections.gate, 'get');
      const sismember = jest.spyOn(connections.gate, 'sismember');

      const record = await store.readPollState('https://hot.example/mcp', pollKey);

      expect(record).toEqual({ serverClass: 'hot', lastPolled: 'not-a-number' });
      expect(pipeline).toHaveBeenCalledTimes(1);
      expect(get).not.toHaveBeenCalled();
      expect(sismember).not.toHaveBeenCalled();
    });

    it('reports null for a poll key that does not exist, and null class for an unclassified server', async () => {
      const record = await store.readPollState(
        'https://unknown.example/mcp',
        keys.pollState('https://unknown.example/mcp', 'health'),
      );

      expect(record).toEqual({ serverClass: null, lastPolled: null });
    });

    it('rejects with WRONGTYPE when the poll key holds a list, so the gate fails open', async () => {
      const pollKey = keys.pollState('https://cold.example/mcp', 'tool_discovery');
      await admin.rpush(pollKey, '1712345678');

      await expect(store.readPollState('https://cold.example/mcp', pollKey)).rejects.toThrow(/WRONGTYPE/);
    });
  });

  describe('markPolled', () => {
    beforeEach(async () => {
      await store.publish(result(['https://hot.example/mcp'], ['https://cold.example/mcp']), TTL, TOKEN);
    });

    it('stores epoch seconds as a decimal string with the hot TTL for a hot server', async () => {
      const pollKey = keys.pollState('https://hot.example/mcp', 'health', 'gw-1');

      await store.markPolled('https://hot.example/mcp', pollKey, 1712345678.123, POLL_TTLS);

      expect(await admin.get(pollKey)).toBe('1712345678.123');
      await expectTtlWithin(pollKey, POLL_TTLS.hot);
    });

    it('uses the cold TTL for a cold server', async () => {
      const pollKey = keys.pollState('https://cold.example/mcp', 'health');

      await store.markPolled('https://cold.example/mcp', pollKey, 1712345678, POLL_TTLS);

      expect(await admin.get(pollKey)).toBe('1712345678.0');
      expect(await admin.ttl(pollKey)).toBeGreaterThan(POLL_TTLS.hot);
      await expectTtlWithin(pollKey, POLL_TTLS.cold);
    });

    it('uses the cold TTL for a server that is not classified', async () => {
      const pollKey = keys.pollState('https://unknown.example/mcp', 'tool_discovery');

      await store.markPolled('https://unknown.example/mcp', pollKey, 1712345678.5, POLL_TTLS);

      expect(await admin.ttl(pollKey)).toBeGreaterThan(POLL_TTLS.hot);
      await expectTtlWithin(pollKey, POLL_TTLS.cold);
    });

    it('overwrites a poll key of the wrong type with a valid value', async () => {
      const pollKey = keys.pollState('https://hot.example/mcp', 'health');
      await admin.rpush(pollKey, 'junk');

      await store.markPolled('https://hot.example/mcp', pollKey, 1712345678.25, POLL_TTLS);

      expect(await store.readPollState('https://hot.example/mcp', pollKey)).toEqual({
        serverClass: 'hot',
        lastPolled: '1712345678.25',
      });
    });

    it('rejects a poll TTL that is not a positive whole number of seconds', async () => {
      const pollKey = keys.pollState('https://hot.example/mcp', 'health');

      await expect(store.markPolled('https://hot.example/mcp', pollKey, 1, { hot: 0, cold: 10 })).rejects.toThrow(
        RangeError,
      );
      expect(await admin.exists(pollKey)).toBe(0);
    });
  });

  it('works with a prefix carrying a Redis Cluster hash tag', async () => {
    const tagged = classificationKeys(`{${prefix}}`);
    const taggedStore = new RedisClassificationStore(connections, tagged);
    try {
      await admin.set(tagged.leader, TOKEN, 'EX', 900);

      expect(await taggedStore.publish(result(['h'], ['c']), TTL, TOKEN)).toBe(true);
      expect(await taggedStore.getServerClass('h')).toBe('hot');
    } finally {
      await admin.del(tagged.hot, tagged.cold, tagged.metadata, tagged.timestamp, tagged.leader);
    }
  });

  it('reports its mode as redis', () => {
    expect(store.mode).toBe('redis');
  });
});

describe('wire format helpers', () => {
  it('formats epoch seconds like a Python float: shortest digits, .0 for whole seconds, no exponent', () => {
    expect(formatEpochSeconds(1712345678.123)).toBe('1712345678.123');
    expect(formatEpochSeconds(1712345678123 / 1000)).toBe('1712345678.123');
    expect(formatEpochSeconds(1712345678)).toBe('1712345678.0');
    expect(formatEpochSeconds(0.0000001)).not.toMatch(/e/);
    expect(() => formatEpochSeconds(Number.NaN)).toThrow(RangeError);
    expect(() => formatEpochSeconds(-1)).toThrow(RangeError);
  });

  it('serializes metadata with the reason escaped as JSON', () => {
    const json = serializeMetadata({
      totalServers: 1,
      hotCap: 0,
      hotActual: 0,
      eligibleCount: 0,
      timestamp: 1000,
      underutilizedReason: 'quote " and \\ backslash',
    });

    expect(json).toBe(
      '{"total_servers":1,"hot_cap":0,"hot_actual":0,"eligible_count":0,"timestamp":1.0,"underutilized_reason":"quote \\" and \\\\ backslash"}',
    );
    expect((JSON.parse(json) as { underutilized_reason: string }).underutilized_reason).toBe(
      'quote " and \\ backslash',
    );
  });
});

describe('RedisClassificationStore.readPublished', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = `test:${randomUUID()}`;
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });

  const store = () => new RedisClassificationStore({ gate: redis, lock: redis }, classificationKeys(prefix));

  it('reads back what the seed publishes, metadata included', async () => {
    const keys = classificationKeys(prefix);
    await redis.sadd(keys.hot, 'https://b.example', 'https://a.example');
    await redis.sadd(keys.cold, 'https://c.example');
    await redis.set(
      keys.metadata,
      '{"total_servers":3,"hot_cap":0,"hot_actual":2,"eligible_count":2,"timestamp":1712345678.5,"underutilized_reason":null}',
    );
    expect(await store().readPublished()).toEqual({
      hot: ['https://a.example', 'https://b.example'],
      cold: ['https://c.example'],
      metadata: { totalServers: 3, hotCap: 0, hotActual: 2, eligibleCount: 2, timestamp: 1712345678500 },
    });
  });

  it('keeps the sets but drops metadata that is not in the expected shape', async () => {
    const keys = classificationKeys(prefix);
    await redis.sadd(keys.cold, 'https://c.example');
    await redis.set(keys.metadata, '{"total_servers":"many"}');
    expect(await store().readPublished()).toEqual({ hot: [], cold: ['https://c.example'], metadata: null });
  });

  it('answers null when nothing is published', async () => {
    expect(await store().readPublished()).toBeNull();
  });
});
