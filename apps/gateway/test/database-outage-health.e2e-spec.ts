import { TcpFaultProxy } from '../../../libs/common/src/testing/tcp-fault-proxy';
import { AdminApi } from './support/admin-api';
import { createPostgresDatabase, E2E_POSTGRES_URL, type E2eDatabase } from './support/e2e-stores';
import { FederationClient } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import { UpstreamFleet } from './support/upstream-fleet';

/** What a stack trace looks like in a log: indented `at …` lines. */
const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)|^\s+at .+:\d+:\d+$/m;
/** Driver and socket text that must not reach a client. */
const DRIVER_TEXT = /ECONN|EPIPE|terminated|Connection|postgres|QueryFailed|socket|\d+\.\d+\.\d+\.\d+/i;

describe('health and /classification while PostgreSQL refuses connections', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let proxy: TcpFaultProxy;
  let gateway: GatewayProcess;
  let admin: AdminApi;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const server = new URL(E2E_POSTGRES_URL);
    proxy = await TcpFaultProxy.start(server.hostname, Number(server.port || 5432));
    const throughProxy = new URL(database.url);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    const upstream = await fleet.start('solo');
    gateway = await GatewayProcess.start({ env: { ...FAST_POLLING_ENV, DATABASE_URL: throughProxy.href } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await admin.createGateway('solo', upstream.url);
    // One catalog read that succeeds: the catalog holds a last good copy from now on.
    const mcp = await FederationClient.connect(gateway.baseUrl);
    try {
      await pollUntil(
        'solo tools in /mcp',
        () => mcp.toolNames(),
        (names) => names.includes('solo__echo'),
      );
    } finally {
      await mcp.close();
    }
    expect((await admin.request('GET', '/classification')).status).toBe(200);
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await proxy?.close();
    await database?.drop();
  });

  it('answers /classification with a short 503 "registry unavailable", no driver text, no stack, one log line', async () => {
    const before = gateway.output().length;
    proxy.setMode('refuse');
    for (let i = 0; i < 5; i += 1) {
      const answer = await admin.request('GET', '/classification');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'registry unavailable' });
      expect(answer.text).not.toMatch(DRIVER_TEXT);
    }
    const logged = gateway.output().slice(before);
    expect(logged).not.toMatch(STACK_LINE);
    const outageLines = logged.split('\n').filter((line) => line.includes('[ClassificationController]'));
    expect(outageLines).toHaveLength(1);
    expect(outageLines[0]).toContain('Registry unavailable');
    expect(outageLines[0]).not.toMatch(/ECONN|terminated|QueryFailed/);
  });

  it('stays ready on the last good catalog, while /health reports the database down', async () => {
    const ready = await admin.probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.catalog).toMatchObject({ status: 'up', degraded: true, source: 'last good copy' });
    expect(ready.body.degraded).toContain('catalog');

    const full = await admin.probe('/health');
    expect(full.status).toBe(503);
    expect(full.body.details.database).toMatchObject({ status: 'down' });
    expect(full.body.details.database?.message).not.toMatch(DRIVER_TEXT);
    expect((await admin.probe('/health/live')).status).toBe(200);
  });

  it('answers again once the database is back, and says so once', async () => {
    proxy.setMode('pass');
    await pollUntil(
      '/classification to answer 200',
      async () => (await admin.request('GET', '/classification')).status,
      (status) => status === 200,
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.includes('[ClassificationController]'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Registry reachable again');
    expect((await admin.probe('/health')).status).toBe(200);
  });
});
