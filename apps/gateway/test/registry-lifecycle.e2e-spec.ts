import { AdminApi, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

describe('managing upstream registrations through the admin API', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let first: SampleServer;
  let second: SampleServer;
  let witness: SampleServer;
  let subject: GatewayView;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    first = await fleet.start('first', ['echo', 'whoami']);
    second = await fleet.start('second', ['whoami', 'second_only']);
    witness = await fleet.start('witness', ['whoami']);
    gateway = await GatewayProcess.start({ env: { ...FAST_POLLING_ENV, DATABASE_URL: database.url } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    subject = await admin.createGateway('subject', first.url);
    await admin.createGateway('witness', witness.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'both upstreams discovered',
      () => mcp.toolNames(),
      (names) => names.length === 3,
    );
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('renaming an upstream renames its tools in /mcp', async () => {
    const renamed = await admin.request('PATCH', `/gateways/${subject.id}`, { name: 'renamed' });
    expect(renamed.status).toBe(200);
    expect(await mcp.toolNames()).toEqual(['renamed__echo', 'renamed__whoami', 'witness__whoami']);
    await expect(mcp.callTool(federatedName('renamed', 'whoami'))).resolves.toEqual({ text: 'first', isError: false });
  });

  it('moving an upstream to another URL rediscovers its tools there at once and sends calls there', async () => {
    const moved = await admin.request('PATCH', `/gateways/${subject.id}`, { url: second.url });
    expect(moved.body).toMatchObject({ url: second.url, lastHealthOk: null });
    await pollUntil(
      'the tools of the new address',
      () => mcp.toolNames(),
      (names) => names.includes('renamed__second_only') && !names.includes('renamed__echo'),
      { timeoutMs: 5_000 },
    );
    await expect(mcp.callTool(federatedName('renamed', 'whoami'))).resolves.toEqual({ text: 'second', isError: false });
  });

  it('disabling an upstream takes its tools out of /mcp and stops polling it; enabling brings it back', async () => {
    expect((await admin.request('PATCH', `/gateways/${subject.id}`, { enabled: false })).status).toBe(200);
    expect(await mcp.toolNames()).toEqual(['witness__whoami']);
    await expect(mcp.callTool(federatedName('renamed', 'whoami'))).rejects.toThrow(/Unknown tool/);

    // Evidence that polling went on meanwhile: the witness gets three health checks, the disabled one none.
    const pingsOf = (server: SampleServer): number => server.stats().methods['ping'] ?? 0;
    const before = { subject: pingsOf(second), witness: pingsOf(witness) };
    await pollUntil(
      'three health checks of the witness',
      async () => pingsOf(witness) - before.witness,
      (n) => n >= 3,
    );
    // One check may have been in flight when the upstream was disabled.
    expect(pingsOf(second) - before.subject).toBeLessThanOrEqual(1);
    expect((await admin.classification()).servers.find((s) => s.url === second.url)?.class ?? null).toBeNull();

    expect((await admin.request('PATCH', `/gateways/${subject.id}`, { enabled: true })).status).toBe(200);
    expect(await mcp.toolNames()).toEqual(['renamed__second_only', 'renamed__whoami', 'witness__whoami']);
    const pingsSince = async (): Promise<number> => pingsOf(second) - before.subject;
    await pollUntil('a health check of the re-enabled upstream', pingsSince, (n) => n >= 2);
  });

  it('deleting an upstream removes it and its tools', async () => {
    const deleted = await admin.request('DELETE', `/gateways/${subject.id}`);
    expect(deleted.status).toBe(204);
    expect((await admin.request('GET', `/gateways/${subject.id}`)).status).toBe(404);
    expect((await admin.listGateways()).map((g) => g.name)).toEqual(['witness']);
    expect(await mcp.toolNames()).toEqual(['witness__whoami']);
  });

  it('serves an upstream on the older HTTP+SSE transport the same way', async () => {
    const legacy = await admin.createGateway('legacy', first.sseUrl, { transport: 'sse' });
    expect(legacy.transport).toBe('sse');
    await pollUntil(
      'the SSE upstream discovered',
      () => mcp.toolNames(),
      (names) => names.includes('legacy__echo'),
    );
    await expect(mcp.callTool(federatedName('legacy', 'echo'), { text: 'over SSE' })).resolves.toEqual({
      text: 'over SSE',
      isError: false,
    });
    await admin.waitForHealthResult(legacy.id, true);
  });

  it("keeps an upstream's pin and discovery interval, set and cleared through the API, across a restart", async () => {
    const pinned = await admin.createGateway('pinned', first.url, { pin: 'cold', discoveryIntervalSeconds: 600 });
    expect(pinned).toMatchObject({ pin: 'cold', discoveryIntervalSeconds: 600 });
    const hot = await admin.request('PATCH', `/gateways/${pinned.id}`, { pin: 'hot' });
    expect(hot.body).toMatchObject({ pin: 'hot', discoveryIntervalSeconds: 600 });
    const cleared = await admin.request('PATCH', `/gateways/${pinned.id}`, { discoveryIntervalSeconds: null });
    expect(cleared.body).toMatchObject({ pin: 'hot', discoveryIntervalSeconds: null });

    await mcp.close();
    expect((await gateway.stop()).code).toBe(0);
    gateway = await GatewayProcess.start({ env: { ...FAST_POLLING_ENV, DATABASE_URL: database.url } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    mcp = await FederationClient.connect(gateway.baseUrl);

    const overrides = (await admin.listGateways()).map(({ name, pin, discoveryIntervalSeconds }) => ({
      name,
      pin,
      discoveryIntervalSeconds,
    }));
    expect(overrides).toEqual([
      { name: 'witness', pin: null, discoveryIntervalSeconds: null },
      { name: 'legacy', pin: null, discoveryIntervalSeconds: null },
      { name: 'pinned', pin: 'hot', discoveryIntervalSeconds: null },
    ]);
  });
});
