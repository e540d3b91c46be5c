import { lockTtlMs } from '../cluster';
import type { Scenario } from './scenario';

export const killLeader: Scenario = {
  name: 'kill-leader',
  summary: 'SIGKILL the leader; another worker takes over within TTL + interval',
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    const leader = await ctx.leader();
    ctx.marks.leaderLost.push({ at: Date.now(), token: leader.token });
    leader.signal('SIGKILL');
    await ctx.waitForLeader(lockTtlMs(ctx.cluster.timing) + i + 2_000);
    await ctx.sleep(2 * i);
  },
};

export const termLeader: Scenario = {
  name: 'term-leader',
  summary: 'SIGTERM the leader; lock released within 1 s, exit 0 within the grace period',
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    const leader = await ctx.leader();
    ctx.marks.leaderTerminated.push({ at: Date.now(), token: leader.token });
    leader.signal('SIGTERM');
    await ctx.waitForExit(leader, ctx.cluster.timing.shutdownGraceMs + 6_000);
    await ctx.waitForLeader(lockTtlMs(ctx.cluster.timing) + i);
    await ctx.sleep(2 * i);
  },
};

export const termFollower: Scenario = {
  name: 'term-follower',
  summary: 'SIGTERM a follower; the leader keeps the lock throughout',
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    const leader = await ctx.leader();
    const follower = ctx.cluster.workers.find((w) => w !== leader && w.serving);
    if (!follower) throw new Error('no follower to stop');
    const kept = { token: leader.token, span: { from: Date.now(), to: Infinity } };
    ctx.marks.leaderKept.push(kept);
    follower.signal('SIGTERM');
    await ctx.waitForExit(follower, ctx.cluster.timing.shutdownGraceMs + 6_000);
    await ctx.sleep(2 * i);
    kept.span.to = Date.now();
  },
};

export const pauseLeader: Scenario = {
  name: 'pause-leader',
  summary: 'SIGSTOP the leader past the TTL, then SIGCONT; a follower takes over, the old leader steps down',
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    const leader = await ctx.leader();
    ctx.marks.leaderLost.push({ at: Date.now(), token: leader.token });
    leader.signal('SIGSTOP');
    try {
      await ctx.sleep(lockTtlMs(ctx.cluster.timing) + i + 1_000);
    } finally {
      leader.signal('SIGCONT');
    }
    await ctx.sleep(2 * i + 1_000);
  },
};
