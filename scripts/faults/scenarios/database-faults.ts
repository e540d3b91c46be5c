import type { ProxyMode } from '../../../libs/common/src/testing/tcp-fault-proxy';
import type { Scenario, ScenarioContext } from './scenario';

async function outage(ctx: ScenarioContext, mode: ProxyMode, during: () => Promise<void>): Promise<void> {
  const from = Date.now();
  ctx.fault(`database proxy ${mode}`);
  ctx.cluster.databaseProxy.setMode(mode);
  try {
    await during();
  } finally {
    ctx.cluster.databaseProxy.setMode('pass');
    ctx.fault('database proxy pass');
    ctx.marks.databaseOutages.push({ from, to: Date.now() });
  }
}

const databaseOutage = (mode: ProxyMode): Scenario => ({
  name: `db-${mode}`,
  summary: `database ${mode === 'refuse' ? 'refusing connections' : 'hanging'} for a few seconds; catalog and decisions keep being served`,
  async run(ctx) {
    await outage(ctx, mode, () => ctx.sleep(ctx.holds.databaseOutageMs));
    await ctx.sleep(2 * ctx.cluster.timing.intervalSeconds * 1000);
  },
});

export const databaseRefuse = databaseOutage('refuse');
export const databaseHang = databaseOutage('hang');

export const termLeaderDatabaseHang: Scenario = {
  name: 'term-leader-db-hang',
  summary: 'SIGTERM the leader while the database hangs; lock released, shutdown bounded',
  async run(ctx) {
    const leader = await ctx.leader();
    await outage(ctx, 'hang', async () => {
      await ctx.sleep(500);
      ctx.marks.leaderTerminated.push({ at: Date.now(), token: leader.token });
      leader.signal('SIGTERM');
      await ctx.waitForExit(leader, ctx.cluster.timing.shutdownGraceMs + 6_000);
    });
    await ctx.sleep(2 * ctx.cluster.timing.intervalSeconds * 1000);
  },
};
