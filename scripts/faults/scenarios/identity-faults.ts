import { lockTtlMs } from '../cluster';
import { mcpRequest, rpcResult } from '../mcp-request';
import type { Scenario } from './scenario';

export const sameInstanceId: Scenario = {
  name: 'same-instance-id',
  summary: 'two workers started with the same INSTANCE_ID; still one leader, then the leader is stopped',
  cluster: (spec) => ({ ...spec, sharedInstanceId: [0, 1] }),
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    await ctx.sleep(2 * i);
    const leader = await ctx.leader();
    ctx.marks.leaderTerminated.push({ at: Date.now(), token: leader.token });
    leader.signal('SIGTERM');
    await ctx.waitForExit(leader, ctx.cluster.timing.shutdownGraceMs + 6_000);
    await ctx.waitForLeader(lockTtlMs(ctx.cluster.timing) + i);
    await ctx.sleep(2 * i);
  },
};

/** ±20 s: inside the 60 s a stored poll time may lie ahead, well beyond any interval here. */
const SKEW_MS = 20_000;

export const clockSkew: Scenario = {
  name: 'clock-skew',
  summary: 'workers with wall clocks 20 s ahead and behind (Date shifted in-process); leadership moved once',
  cluster: (spec) => ({ ...spec, clockOffsetsMs: [0, SKEW_MS, -SKEW_MS] }),
  async run(ctx) {
    const i = ctx.cluster.timing.intervalSeconds * 1000;
    await ctx.sleep(2 * i);
    const leader = await ctx.leader();
    ctx.marks.leaderLost.push({ at: Date.now(), token: leader.token });
    leader.signal('SIGKILL');
    await ctx.waitForLeader(lockTtlMs(ctx.cluster.timing) + i + 2_000);
    await ctx.sleep(4 * i);
  },
};

const CONCURRENCY = 16;
const TOOL = 'alpha__echo';
const CATALOG_WAIT_MS = 10_000;

async function listsTool(baseUrl: string, tool: string): Promise<boolean> {
  const deadline = Date.now() + CATALOG_WAIT_MS;
  while (Date.now() < deadline) {
    const answer = await mcpRequest(baseUrl, 'tools/list', {}, { timeoutMs: 5_000 }).catch(() => null);
    const tools = answer ? rpcResult(answer.text)?.['tools'] : undefined;
    if (Array.isArray(tools) && tools.some((t: { name?: unknown }) => t.name === tool)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
const MAX_FAILURE_RATIO = 0.01;

export const manyIdentities: Scenario = {
  name: 'identities-10k',
  summary: 'tool calls through /mcp under many distinct x-mcp-user identities; RSS and upstream sessions stay bounded',
  async run(ctx) {
    const workers = ctx.cluster.workers.filter((w) => w.serving);
    const total = ctx.holds.identities;
    // Calls need the tool in every worker's catalog; one missing is a finding, not a harness error.
    for (const worker of workers) {
      if (!(await listsTool(worker.baseUrl, TOOL)))
        ctx.marks.findings.push(`${worker.label} never listed ${TOOL} within ${CATALOG_WAIT_MS} ms`);
    }
    const started = Date.now();
    let next = 0;
    let failed = 0;
    let firstError = '';
    const lane = async (): Promise<void> => {
      for (let n = next++; n < total; n = next++) {
        const worker = workers[n % workers.length];
        try {
          const answer = await mcpRequest(
            worker.baseUrl,
            'tools/call',
            { name: TOOL, arguments: { text: `call ${n}` } },
            { user: `user-${n}`, timeoutMs: 10_000 },
          );
          ctx.cluster.canary.scan(`${worker.label} /mcp tools/call`, answer.text);
          if (answer.status !== 200 || rpcResult(answer.text) === null)
            throw new Error(`${answer.status} ${answer.text.slice(0, 200)}`);
        } catch (error) {
          failed++;
          firstError ||= String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const ms = Date.now() - started;
    ctx.marks.figures.identities = total;
    ctx.marks.figures.callsPerSecond = Math.round((total / ms) * 1000);
    ctx.marks.figures.failedCalls = failed;
    if (failed > total * MAX_FAILURE_RATIO)
      ctx.marks.findings.push(`${failed} of ${total} calls failed (first: ${firstError})`);
    await ctx.sleep(2 * ctx.cluster.timing.intervalSeconds * 1000);
  },
};
