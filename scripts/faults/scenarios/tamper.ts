import { classificationKeys } from '@app/classification';
import type Redis from 'ioredis';
import { pollGapBoundMs } from '../invariants/polling-invariants';
import type { Scenario, ScenarioContext } from './scenario';

const ROUNDS = 3;

/** Values a poll timestamp must never be trusted as: garbage, out of range, and far in the future. */
function pollGarbage(nowSeconds: number): ((r: Redis, key: string) => Promise<unknown>)[] {
  const text = (value: string) => (r: Redis, key: string) => r.set(key, value);
  return [
    text(String(nowSeconds + 3_600)),
    text(String(nowSeconds + 50)),
    text('abc'),
    text(''),
    text('-5'),
    text('1e400'),
    text('0x10'),
    text(' 12 '),
    text('99999999999999999999'),
    (r, key) =>
      r
        .multi()
        .del(key)
        .rpush(key, String(nowSeconds + 3_600))
        .exec(),
    (r, key) =>
      r
        .multi()
        .del(key)
        .hset(key, 'last', String(nowSeconds + 3_600))
        .exec(),
  ];
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found.sort();
}

export const tamperPollKeys: Scenario = {
  name: 'tamper-poll-keys',
  summary: 'poll timestamps and claims overwritten with garbage, wrong types and far-future times',
  async run(ctx) {
    const prefix = classificationKeys().hot.split(':')[0];
    for (let round = 0; round < ROUNDS; round++) {
      const garbage = pollGarbage(Math.floor(Date.now() / 1000));
      const keys = await scanKeys(ctx.redis, `${prefix}:server_poll_state:*`);
      ctx.fault(`tamper ${keys.length} poll keys (round ${round + 1})`);
      for (const [i, key] of keys.entries()) {
        if (key.includes(':claim_')) await ctx.redis.set(key, 'forged-claim');
        else await garbage[(i + round * 2) % garbage.length](ctx.redis, key);
      }
      await ctx.sleep(ctx.cluster.timing.intervalSeconds * 1000);
    }
    // Long enough for the cadence check to see any suppression beyond the designed interval.
    const fakeRun = { timing: ctx.cluster.timing } as Parameters<typeof pollGapBoundMs>[0];
    await ctx.sleep(pollGapBoundMs(fakeRun, 'tool_discovery'));
  },
};

/** Far-future metadata: 2100-01-01, epoch seconds as the wire carries them. */
const FORGED_SECONDS = 4_102_444_800;

async function tamperClassification(ctx: ScenarioContext, round: number): Promise<void> {
  const keys = classificationKeys();
  const r = ctx.redis;
  ctx.fault(`tamper classification keys (round ${round + 1})`);
  ctx.marks.forgedMetadataAt.push(FORGED_SECONDS * 1000);
  const forged = {
    total_servers: 999,
    hot_cap: 999,
    hot_actual: 999,
    eligible_count: 999,
    timestamp: FORGED_SECONDS,
    underutilized_reason: null,
  };
  switch (round % 3) {
    case 0:
      await r.set(keys.metadata, '{not json');
      await r.set(keys.timestamp, 'yesterday');
      await r.multi().del(keys.hot).set(keys.hot, 'not a set').exec();
      break;
    case 1:
      await r.set(keys.metadata, JSON.stringify(forged));
      await r.set(keys.timestamp, String(FORGED_SECONDS));
      await r.multi().del(keys.cold).hset(keys.cold, 'url', 'x').exec();
      break;
    default:
      await r.set(keys.metadata, JSON.stringify({ ...forged, total_servers: 'many', timestamp: 'soon' }));
      await r.multi().del(keys.hot).rpush(keys.hot, 'http://127.0.0.1:1/mcp').exec();
      await r.persist(keys.metadata);
  }
}

export const tamperClassificationKeys: Scenario = {
  name: 'tamper-classification-keys',
  summary: 'classification keys overwritten with garbage, wrong types and a far-future timestamp',
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    for (let round = 0; round < ROUNDS; round++) {
      await tamperClassification(ctx, round);
      await ctx.sleep(i);
    }
    const at = Date.now();
    await ctx.sleep(2 * i);
    await ctx.expectPublishSince(at, 'after tampering');
  },
};
