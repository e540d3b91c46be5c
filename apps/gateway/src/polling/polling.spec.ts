import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClassificationScheduler, PollGate } from '@app/classification';
import { UpstreamsService, type UpstreamInfo } from '@app/registry';
import { createSqliteTestDatabase, type TestDatabase } from '@app/registry/testing/test-databases';
import { AppModule } from '../app.module';
import { ToolDiscoveryService } from '../discovery/tool-discovery.service';
import { ANONYMOUS_IDENTITY, McpSessionPool } from '../mcp';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { DiscoveryPoller } from './discovery-poller';
import { HealthPoller } from './health-poller';
import { PollStats } from '../classification/poll-stats';

/**
 * The pollers inside the real gateway module (SQLite registry, sample MCP upstreams, real pool,
 * embedded classification). Hooks are not run, so no timer fires: each round is started by hand.
 */
describe('Pollers', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let servers: SampleServer[];
  let gateways: UpstreamInfo[];

  const listCalls = (s: SampleServer) => s.stats().methods['tools/list'] ?? 0;

  beforeEach(async () => {
    db = await createSqliteTestDatabase();
    servers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => startSampleServer({ name })));
    const module = await Test.createTestingModule({
      imports: [AppModule.forRoot(testAppConfig({ database: db.config, upstreamTimeoutMs: 1000 }))],
    }).compile();
    app = module.createNestApplication({ logger: false });
    // Database and module providers only: no onApplicationBootstrap, so no loop or timer runs.
    await app.get(UpstreamsService).list();
    const registry = app.get(UpstreamsService);
    gateways = [];
    for (const s of servers) gateways.push(await registry.create({ name: s.name, url: s.url }));
  });

  afterEach(async () => {
    await app.close();
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    await db.drop();
  });

  it('marks reachable upstreams healthy and a stopped one unhealthy', async () => {
    await servers[4].close();
    await app.get(HealthPoller).runOnce();
    const registry = app.get(UpstreamsService);
    expect((await registry.get(gateways[0].id)).lastHealthOk).toBe(true);
    const down = await registry.get(gateways[4].id);
    expect(down.lastHealthOk).toBe(false);
    expect(down.lastHealthError).toBeTruthy();
  });

  it('discovers a never-polled server, then skips it until its class is due', async () => {
    await app.get(ClassificationScheduler).runOnce();
    await app.get(DiscoveryPoller).runOnce();
    expect(servers.map(listCalls)).toEqual([1, 1, 1, 1, 1]);
    expect((await app.get(UpstreamsService).listTools(gateways[0].id)).map((t) => t.name).sort()).toEqual([
      'add',
      'echo',
      'whoami',
    ]);
    await app.get(DiscoveryPoller).runOnce();
    expect(servers.map(listCalls)).toEqual([1, 1, 1, 1, 1]);
    expect(app.get(PollStats).snapshot().tool_discovery).toEqual({ performed: 5, skipped: 5, failed: 0 });
  });

  it('does not record a failed discovery: its claim is released for another worker, and this one waits an interval', async () => {
    await app.get(ClassificationScheduler).runOnce();
    servers[0].setHang(true);
    expect(await app.get(DiscoveryPoller).runOnce()).toEqual({ succeeded: 4, failed: 1, released: 0 });
    expect(await app.get(DiscoveryPoller).runOnce()).toEqual({ succeeded: 0, failed: 0, released: 0 });
    expect(app.get(PollStats).snapshot().tool_discovery.failed).toBe(1);
    expect(servers.slice(1).map(listCalls)).toEqual([1, 1, 1, 1]);
    // Not recorded and not held: any other worker's next round claims it at once.
    const retry = await app.get(PollGate).claimDue('tool_discovery', [gateways[0]], { leaseMs: 1000 });
    expect(retry.due.map((g) => g.id)).toEqual([gateways[0].id]);
    await retry.close();
  });

  it('shares one upstream call between concurrent refreshes of a gateway', async () => {
    const discovery = app.get(ToolDiscoveryService);
    const [first, second] = await Promise.all([discovery.refresh(gateways[1].id), discovery.refresh(gateways[1].id)]);
    expect(first).toEqual(second);
    expect(listCalls(servers[1])).toBe(1);
  });

  it('reports the tools added and removed upstream', async () => {
    const discovery = app.get(ToolDiscoveryService);
    await discovery.refresh(gateways[2].id);
    servers[2].addTool('translate');
    servers[2].removeTool('add');
    expect(await discovery.refresh(gateways[2].id)).toEqual({
      added: ['translate'],
      updated: [],
      removed: ['add'],
      total: 3,
    });
  });

  it('counts client traffic as usage, and its own health checks and discoveries not at all', async () => {
    const pool = app.get(McpSessionPool);
    const target = await app.get(UpstreamsService).getTarget(gateways[3].id);
    await pool.withSession(target, ANONYMOUS_IDENTITY, (s) => s.callTool({ name: 'echo', arguments: { text: 'hi' } }));
    await app.get(HealthPoller).runOnce();
    await app.get(ClassificationScheduler).runOnce();
    await app.get(DiscoveryPoller).runOnce();
    await app.get(HealthPoller).runOnce();
    const result = await app.get(ClassificationScheduler).runOnce();
    expect(result?.hot).toEqual([servers[3].url]);
    expect(result?.metadata.eligibleCount).toBe(1);
  });
});
