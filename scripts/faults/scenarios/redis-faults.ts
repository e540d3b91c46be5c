import { lockTtlMs } from '../cluster';
import type { Scenario, ScenarioContext } from './scenario';

const intervalMs = (ctx: ScenarioContext): number => ctx.cluster.timing.intervalSeconds * 1000;
const takeover = (ctx: ScenarioContext): number => lockTtlMs(ctx.cluster.timing) + intervalMs(ctx) + 2_000;

/** Runs `during` with redis-server frozen (SIGSTOP), always thawing it; returns the outage span. */
async function whileFrozen(ctx: ScenarioContext, during: () => Promise<void>): Promise<{ from: number; to: number }> {
  const from = Date.now();
  ctx.fault('redis SIGSTOP');
  ctx.cluster.redis.freeze();
  try {
    await during();
  } finally {
    ctx.cluster.redis.thaw();
    ctx.fault('redis SIGCONT');
  }
  return { from, to: Date.now() };
}

/** Redis answers again from `at`: a leader must hold the lock and, unless told otherwise, publish. */
async function afterRecovery(ctx: ScenarioContext, at: number, what: string | null): Promise<void> {
  ctx.marks.redisRecovered.push(at);
  await ctx.waitForLeader(takeover(ctx));
  if (what === null) {
    await ctx.sleep(intervalMs(ctx));
    return;
  }
  await ctx.sleep(2 * intervalMs(ctx));
  await ctx.expectPublishSince(at, what);
}

export const freezeRedis: Scenario = {
  name: 'freeze-redis',
  summary: 'SIGSTOP redis-server for longer than the TTL, then SIGCONT',
  async run(ctx) {
    const outage = await whileFrozen(ctx, () => ctx.sleep(lockTtlMs(ctx.cluster.timing) + 2_000));
    ctx.marks.redisOutages.push(outage);
    await afterRecovery(ctx, outage.to, 'after Redis thawed');
  },
};

export const restartRedis: Scenario = {
  name: 'restart-redis',
  summary: 'kill redis-server and start it again empty',
  async run(ctx) {
    const from = Date.now();
    ctx.fault('redis killed');
    ctx.marks.redisReset.push(from);
    try {
      await ctx.cluster.redis.down();
      await ctx.sleep(2_000);
    } finally {
      await ctx.cluster.redis.up();
      ctx.fault('redis started (empty)');
    }
    const to = Date.now();
    ctx.marks.redisOutages.push({ from, to });
    await afterRecovery(ctx, to, 'after the restart');
  },
};

export const scriptFlush: Scenario = {
  name: 'script-flush',
  summary: 'SCRIPT FLUSH; scripts reload, the leader keeps the lock and publishes',
  async run(ctx) {
    const leader = await ctx.leader();
    const kept = { token: leader.token, span: { from: Date.now(), to: Infinity } };
    ctx.marks.leaderKept.push(kept);
    ctx.fault('SCRIPT FLUSH');
    await ctx.redis.script('FLUSH');
    const at = Date.now();
    await ctx.sleep(3 * intervalMs(ctx));
    kept.span.to = Date.now();
    await ctx.expectPublishSince(at, 'after SCRIPT FLUSH');
  },
};

export const flushAll: Scenario = {
  name: 'flushall',
  summary: 'FLUSHALL; a leader is elected again and republishes',
  async run(ctx) {
    const at = Date.now();
    ctx.fault('FLUSHALL');
    ctx.marks.redisReset.push(at);
    await ctx.redis.flushall();
    await afterRecovery(ctx, Date.now(), 'after FLUSHALL');
  },
};

export const clientKillStorm: Scenario = {
  name: 'client-kill-storm',
  summary: 'CLIENT KILL TYPE normal every 200 ms for a few seconds',
  async run(ctx) {
    const until = Date.now() + ctx.holds.killStormMs;
    let kills = 0;
    while (Date.now() < until) {
      ctx.fault('CLIENT KILL TYPE normal');
      kills += Number(await ctx.redis.client('KILL', 'TYPE', 'normal').catch(() => 0));
      await ctx.sleep(200);
    }
    ctx.marks.figures.connectionsKilled = kills;
    await afterRecovery(ctx, Date.now(), 'after the kill storm');
  },
};

export const termLeaderRedisHang: Scenario = {
  name: 'term-leader-redis-hang',
  summary: 'SIGTERM the leader while redis-server is frozen; shutdown stays bounded',
  async run(ctx) {
    const leader = await ctx.leader();
    const outage = await whileFrozen(ctx, async () => {
      await ctx.sleep(500);
      leader.signal('SIGTERM');
      await ctx.waitForExit(leader, ctx.cluster.timing.shutdownGraceMs + 6_000);
    });
    ctx.marks.redisOutages.push(outage);
    await afterRecovery(ctx, outage.to, null);
  },
};
