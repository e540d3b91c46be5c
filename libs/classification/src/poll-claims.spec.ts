import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { PrivateRedis } from '../test/private-redis';
import { ListDirectory, ListPool, ManualClock, deletePrefix, newRedis, testPrefix } from '../test/support';
import type { ClassificationStore } from './classification-store';
import { classificationMessages as messages } from './classification.messages';
import { resolveClassificationConfig, type ClassificationModuleOptions } from './classification.options';
import { classifyServers } from './classify';
import { jitterFactor } from './jitter';
import { classificationKeys } from './keys';
import { MemoryClassificationStore } from './memory-classification-store';
import { PollGate } from './poll-gate';
import type { PollCandidate } from './poll-round';
import { RedisClassificationStore } from './redis-classification-store';
import type { PollType, UpstreamRef } from './types';

const INTERVAL = 60;
const TYPE: PollType = 'tool_discovery';

const upstreams = (count: number): (PollCandidate & UpstreamRef)[] =>
  Array.from({ length: count }, (_, i) => ({ id: `gw-${i}`, url: `https://up-${i}.example/mcp` }));

interface Fleet {
  clock: ManualClock;
  store: ClassificationStore;
  /** A worker's gate on the shared store. */
  gate(instanceId: string, pollJitter?: number): PollGate;
  /** Publishes a classification in which `hot` are hot and the rest of `all` cold. */
  classify(all: readonly UpstreamRef[], hot: readonly UpstreamRef[]): Promise<void>;
  /** Lets real time pass for Redis TTLs (and the manual clock along). */
  wait(ms: number): Promise<void>;
  prefix: string;
}

/** A worker's gate on `store`: classification on, a 60 s interval, the rest as given. */
function gateOn(store: ClassificationStore, options: Partial<ClassificationModuleOptions> = {}): PollGate {
  return new PollGate(
    resolveClassificationConfig({
      enabled: true,
      intervalSeconds: INTERVAL,
      sessionPool: new ListPool(),
      upstreamDirectory: new ListDirectory(),
      ...options,
    }),
    store,
  );
}

const ids = (list: readonly PollCandidate[]) => list.map((u) => u.id).sort();

function fleetOn(kind: 'memory' | 'redis', redis: () => Redis): () => Fleet {
  return () => {
    const clock = new ManualClock(Date.now());
    const prefix = testPrefix();
    const keys = classificationKeys(prefix);
    const store: ClassificationStore =
      kind === 'memory'
        ? new MemoryClassificationStore(clock)
        : new RedisClassificationStore({ gate: redis(), lock: redis() }, keys);
    const gate = (instanceId: string, pollJitter = 0) =>
      gateOn(store, { instanceId, clock, keyPrefix: prefix, pollJitter });
    return {
      clock,
      store,
      gate,
      prefix,
      async classify(all, hot) {
        const now = Date.now();
        const sessions = hot.map((g) => ({ url: g.url, gatewayId: g.id, lastUsed: now, useCount: 1, active: false }));
        const result = classifyServers({ gateways: all, sessions, hotRatio: hot.length / all.length });
        if (kind === 'redis') await redis().set(keys.leader, 'leader', 'EX', 60);
        await store.publish(result, 600, 'leader');
      },
      async wait(ms) {
        await new Promise((r) => setTimeout(r, ms));
        clock.advance(ms);
      },
    };
  };
}

describe.each(['memory', 'redis'] as const)('Poll claims (%s store)', (kind) => {
  let redis: Redis;
  let fleet: Fleet;
  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    fleet = fleetOn(kind, () => redis)();
  });
  afterEach(() => deletePrefix(redis, fleet.prefix));

  it('gives each due upstream to exactly one of two workers racing for it', async () => {
    const list = upstreams(40);
    const [a, b] = await Promise.all([
      fleet.gate('a').claimDue(TYPE, list, { leaseMs: 10_000 }),
      fleet.gate('b').claimDue(TYPE, list, { leaseMs: 10_000 }),
    ]);
    expect([...ids(a.due), ...ids(b.due)].sort()).toEqual(ids(list));
    expect(a.held + b.held).toBe(40);
  });

  it('polls a hot upstream every interval and a cold one every three', async () => {
    const list = upstreams(5);
    await fleet.classify(list, [list[0]]);
    const a = fleet.gate('a');
    const first = await a.claimDue(TYPE, list, { leaseMs: 10_000 });
    expect(ids(first.due)).toEqual(ids(list));
    first.due.forEach((u) => first.complete(u));
    await first.close();

    const b = fleet.gate('b');
    const again = await b.claimDue(TYPE, list, { leaseMs: 10_000 });
    expect(again.due).toEqual([]);
    expect(again.notDue).toBe(5);
    fleet.clock.advance(INTERVAL * 1000 + 1);
    const hotDue = await b.claimDue(TYPE, list, { leaseMs: 10_000 });
    expect(ids(hotDue.due)).toEqual(['gw-0']);
    await hotDue.close();
    fleet.clock.advance(2 * INTERVAL * 1000);
    const allDue = await b.claimDue(TYPE, list, { leaseMs: 10_000 });
    expect(ids(allDue.due)).toEqual(ids(list));
    await allDue.close();
  });

  it('polls an upstream no classification mentions yet at the hot rate', async () => {
    const list = upstreams(2);
    const first = await fleet.gate('a').claimDue(TYPE, list, { leaseMs: 10_000 });
    first.due.forEach((u) => first.complete(u));
    await first.close();
    expect((await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 10_000 })).due).toEqual([]);
    fleet.clock.advance(INTERVAL * 1000 + 1);
    expect(ids((await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 10_000 })).due)).toEqual(ids(list));
  });

  it('releases a failed poll so another worker retries it at once', async () => {
    const list = upstreams(3);
    await fleet.classify(list, []);
    const round = await fleet.gate('a').claimDue(TYPE, list, { leaseMs: 60_000 });
    round.complete(list[0]);
    round.fail(list[1]);
    // list[2] was claimed but never polled: close() gives it back too.
    await round.close();
    const retry = await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 60_000 });
    expect(ids(retry.due)).toEqual(['gw-1', 'gw-2']);
    await retry.close();
  });

  it("lets another worker take a poll over once the claiming worker's lease lapses", async () => {
    const list = upstreams(2);
    const stuck = await fleet.gate('a').claimDue(TYPE, list, { leaseMs: 150 });
    expect(stuck.due).toHaveLength(2);
    const meanwhile = await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 150 });
    expect(meanwhile.due).toEqual([]);
    expect(meanwhile.held).toBe(2);
    expect(stuck.holds(0)).toBe(true);
    await fleet.wait(250);
    expect(stuck.holds(0)).toBe(false);
    const later = await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 150 });
    expect(ids(later.due)).toEqual(ids(list));
  });

  it("follows an upstream's own interval instead of its class's", async () => {
    const list = upstreams(2);
    await fleet.classify(list, []);
    const own = [{ ...list[0], intervalSeconds: 10 }, { ...list[1] }];
    const round = await fleet.gate('a').claimDue(TYPE, own, { leaseMs: 10_000 });
    round.due.forEach((u) => round.complete(u));
    await round.close();
    fleet.clock.advance(11_000);
    const next = await fleet.gate('a').claimDue(TYPE, own, { leaseMs: 10_000 });
    expect(ids(next.due)).toEqual(['gw-0']);
    await next.close();
  });

  it('spreads due times by each upstream’s stable jitter', async () => {
    const list = upstreams(200);
    await fleet.classify(list, list);
    const gate = fleet.gate('a', 0.1);
    const first = await gate.claimDue(TYPE, list, { leaseMs: 10_000 });
    first.due.forEach((u) => first.complete(u));
    await first.close();
    // One interval on, the upstreams with a factor up to 1 are due and the rest are not.
    fleet.clock.advance(INTERVAL * 1000 + 1);
    const round = await gate.claimDue(TYPE, list, { leaseMs: 10_000 });
    const expected = list.filter((u) => INTERVAL * jitterFactor(u.id, 0.1) <= INTERVAL + 0.001).map((u) => u.id);
    expect(ids(round.due)).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(60);
    expect(expected.length).toBeLessThan(140);
    await round.close();
  });

  it('does not claim anything when classification is off, and polls everything', async () => {
    const list = upstreams(3);
    const off = gateOn(fleet.store, { enabled: false });
    const round = await off.claimDue(TYPE, list, { leaseMs: 1000 });
    expect(round.due).toEqual(list);
    await round.close();
    const other = await fleet.gate('b').claimDue(TYPE, list, { leaseMs: 1000 });
    expect(other.due).toHaveLength(3);
  });
});

describe('Poll claims against tampered Redis keys', () => {
  let redis: Redis;
  let fleet: Fleet;
  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    fleet = fleetOn('redis', () => redis)();
  });
  afterEach(() => deletePrefix(redis, fleet.prefix));

  const keys = () => classificationKeys(fleet.prefix);

  // The same values poll-timestamp.spec.ts checks for the seed's single decision.
  const untrusted = ['', ' ', 'abc', '-5', '0', '0.0', '1e9', '0x10', 'Infinity', 'NaN', '12.', '.5', ' 12', '12 ',
    '99999999999999999', '1.123456789012345678901', 'inf'];

  it.each(untrusted)('treats a stored poll time of %j as never polled', async (value) => {
    const [u] = upstreams(1);
    await fleet.classify([u], []);
    await redis.set(keys().pollState(u.url, TYPE, u.id), value);
    const round = await fleet.gate('a').claimDue(TYPE, [u], { leaseMs: 1000 });
    expect(round.due).toEqual([u]);
  });

  it('trusts a poll time in the future only within a minute and within one interval', async () => {
    const [u, v] = upstreams(2);
    await fleet.classify([u, v], []);
    const now = fleet.clock.now() / 1000;
    await redis.set(keys().pollState(u.url, TYPE, u.id), String(now + 30));
    await redis.set(keys().pollState(v.url, TYPE, v.id), String(now + 30));
    const round = await fleet.gate('a').claimDue(TYPE, [u, { ...v, intervalSeconds: 10 }], { leaseMs: 1000 });
    // u: 30 s ahead is within both limits, so it was "just polled"; v's interval is 10 s, so 30 s ahead is tampering.
    expect(ids(round.due)).toEqual(['gw-1']);
  });

  it('polls an upstream whose poll key has the wrong type, then repairs the key', async () => {
    const [u] = upstreams(1);
    await fleet.classify([u], [u]);
    const key = keys().pollState(u.url, TYPE, u.id);
    await redis.hset(key, 'x', '1');
    const round = await fleet.gate('a').claimDue(TYPE, [u], { leaseMs: 1000 });
    expect(round.due).toEqual([u]);
    round.complete(u);
    await round.close();
    expect(Number(await redis.get(key))).toBeCloseTo(fleet.clock.now() / 1000, 3);
  });

  it('never lets a claim key without a TTL (or of another type) suppress polling', async () => {
    const [u, v] = upstreams(2);
    await redis.set(keys().pollClaim(u.url, TYPE, u.id), 'someone');
    await redis.rpush(keys().pollClaim(v.url, TYPE, v.id), 'x');
    const round = await fleet.gate('a').claimDue(TYPE, [u, v], { leaseMs: 1000 });
    expect(ids(round.due)).toEqual(['gw-0', 'gw-1']);
  });
});

describe('Poll claims in round trips', () => {
  let server: PrivateRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await PrivateRedis.start();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    client.disconnect();
    await server.down();
  });

  const scriptCalls = async (): Promise<number> => {
    const info = await client.info('commandstats');
    return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it('decides and claims a round of 2000 upstreams in one call, and records it in one more', async () => {
    const prefix = testPrefix();
    const store = new RedisClassificationStore({ gate: client, lock: client }, classificationKeys(prefix));
    const gate = gateOn(store, { keyPrefix: prefix, instanceId: 'a' });
    const list = upstreams(2000);
    // Warm the script cache (EVAL once, then EVALSHA), so only the round itself is counted.
    await (await gate.claimDue(TYPE, list.slice(0, 1), { leaseMs: 1 })).close();
    const before = await scriptCalls();
    const round = await gate.claimDue(TYPE, list, { leaseMs: 60_000 });
    round.due.forEach((u) => round.complete(u));
    await round.close();
    expect(round.due).toHaveLength(2000);
    expect((await scriptCalls()) - before).toBe(2);
  });

  it('fails open with one warning when Redis is down: every upstream is due', async () => {
    const down = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    down.on('error', () => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const gate = gateOn(new RedisClassificationStore({ gate: down, lock: down }, classificationKeys(testPrefix())));
      const list = upstreams(50);
      const round = await gate.claimDue(TYPE, list, { leaseMs: 1000 });
      expect(round.due).toEqual(list);
      expect(round.failedOpen).toBe(true);
      list.forEach((u) => round.complete(u));
      await round.close();
      // One line for the outage, not one for the claim and another for the lost completions.
      const lines = warn.mock.calls.map(([line]) => String(line));
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith(messages.pollStoreDown(''))).toBe(true);
      // Still down: what this worker polled within a hot interval is not polled again every round.
      const next = await gate.claimDue(TYPE, list, { leaseMs: 1000 });
      expect(next.due).toEqual([]);
      expect(next.notDue).toBe(50);
    } finally {
      warn.mockRestore();
      down.disconnect();
    }
  });
});
