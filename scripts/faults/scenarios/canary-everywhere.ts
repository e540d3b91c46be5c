import { mcpRequest } from '../mcp-request';
import type { Scenario } from './scenario';

/**
 * Drives every path the canary upstream's URL can travel: the admin API (list, one, refresh),
 * /classification, a tool call through /mcp, and failing health checks and discoveries whose
 * errors echo the URL and Authorization header back (the credential check refusing).
 */
export const canaryEverywhere: Scenario = {
  name: 'canary-everywhere',
  summary: 'a canary credential in the user, password and query of one upstream; it must show nowhere',
  async run(ctx) {
    const vault = ctx.cluster.upstreams.find((u) => u.name === 'vault');
    if (!vault) throw new Error('the canary upstream is not registered');
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    const look = async (): Promise<void> => {
      for (const worker of ctx.cluster.workers.filter((w) => w.serving)) {
        const admin = ctx.cluster.admin(worker);
        for (const [method, path] of [
          ['GET', '/gateways'],
          ['GET', `/gateways/${vault.gateway.id}`],
          ['GET', `/gateways/${vault.gateway.id}/tools`],
          ['POST', `/gateways/${vault.gateway.id}/refresh`],
          ['GET', '/classification'],
        ] as const) {
          const answer = await admin.request(method, path);
          ctx.cluster.canary.scan(`${worker.label} ${method} ${path}`, answer.text);
        }
        const call = await mcpRequest(
          worker.baseUrl,
          'tools/call',
          { name: 'vault__echo', arguments: { text: 'hi' } },
          { timeoutMs: 10_000 },
        );
        ctx.cluster.canary.scan(`${worker.label} /mcp tools/call vault__echo`, call.text);
      }
    };
    await look();
    ctx.fault('canary upstream refuses (echoing the credentials)');
    const blind = { upstream: vault.name, span: { from: Date.now(), to: Infinity } };
    ctx.marks.unobservedPolls.push(blind);
    ctx.cluster.canaryGuard.refuseAll = true;
    try {
      await ctx.sleep(2 * i);
      await look();
    } finally {
      ctx.cluster.canaryGuard.refuseAll = false;
      ctx.fault('canary upstream accepts again');
      // A refused poll fails, and a failed discovery is retried at once or after an interval.
      blind.span.to = Date.now() + ctx.cluster.timing.intervalSeconds * 1000;
    }
    await ctx.sleep(i);
  },
};
