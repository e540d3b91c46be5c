import { AdminApi, type ClassificationView, type GatewayView, type HttpAnswer } from './support/admin-api';
import { createSqliteDatabase, E2E_REDIS_URL, RedisNamespace, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import {
  UpstreamFleet,
  unusedPort,
  type CredentialCheckingProxy,
  type ExpectedCredentials,
} from './support/upstream-fleet';

const CREDENTIALS: ExpectedCredentials = { apiKey: 'CANARY123', user: 'svc-user', password: 'PaSSw0rd-XYZZY' };
/** Every form a credential could leak in: as sent, and as the HTTP Basic header carries it. */
const SECRETS = [
  CREDENTIALS.apiKey,
  CREDENTIALS.password,
  Buffer.from(`${CREDENTIALS.user}:${CREDENTIALS.password}`).toString('base64'),
];

function leaksIn(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

describe('credentials in a registered upstream URL', () => {
  const fleet = new UpstreamFleet();
  const namespace = new RedisNamespace();
  /** Every admin answer the tests saw, searched for the credentials at the end. */
  const answers: HttpAnswer[] = [];
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let guard: CredentialCheckingProxy;
  let vault: GatewayView;
  let refused: GatewayView;
  let down: GatewayView;

  const record = async (method: string, path: string, body?: unknown): Promise<HttpAnswer> => {
    const answer = await admin.request(method, path, body);
    answers.push(answer);
    return answer;
  };

  beforeAll(async () => {
    database = await createSqliteDatabase();
    const upstream = await fleet.start('vault');
    guard = await fleet.guard(upstream, CREDENTIALS);
    // The same credentials sent to a server that does not accept them: errors that echo them back.
    const strict = await fleet.guard(await fleet.start('strict'), { ...CREDENTIALS, apiKey: 'SOMETHING-ELSE' });
    gateway = await GatewayProcess.start({
      env: {
        ...FAST_POLLING_ENV,
        DATABASE_URL: database.url,
        REDIS_URL: E2E_REDIS_URL,
        REDIS_KEY_PREFIX: namespace.prefix,
        // Everything the gateway can say, so a leak in any log line shows.
        LOG_LEVEL: 'verbose',
      },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    vault = (await record('POST', '/gateways', { name: 'vault', url: guard.urlWith(CREDENTIALS) })).body as GatewayView;
    refused = (await record('POST', '/gateways', { name: 'refused', url: strict.urlWith(CREDENTIALS) }))
      .body as GatewayView;
    const downUrl = guard.urlWith(CREDENTIALS).replace(`:${guard.port}/`, `:${await unusedPort()}/`);
    down = (await record('POST', '/gateways', { name: 'down', url: downUrl })).body as GatewayView;
    mcp = await FederationClient.connect(gateway.baseUrl);
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await namespace.close();
    await database?.drop();
  });

  it('are stored for dialling but shown nowhere in the registration answer', () => {
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(vault).toMatchObject({ name: 'vault', url: `http://127.0.0.1:${guard.port}/mcp`, hasCredentials: true });
    expect(answers.flatMap((a) => leaksIn(a.text))).toEqual([]);
  });

  it('reach the upstream on every call through /mcp (api_key and basic auth both sent)', async () => {
    await pollUntil(
      'the guarded tools in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('vault__echo'),
    );
    await expect(mcp.callTool(federatedName('vault', 'echo'), { text: 'behind the guard' })).resolves.toEqual({
      text: 'behind the guard',
      isError: false,
    });
    expect(guard.accepted).toBeGreaterThan(0);
    expect(guard.rejected).toBe(0);
  });

  it('stay out of tool errors, health errors and refresh errors that echo them back', async () => {
    guard.refuseAll = true;
    try {
      const failed = await mcp.callTool(federatedName('vault', 'add'), { a: 1, b: 2 });
      expect(failed.isError).toBe(true);
      expect(leaksIn(failed.text)).toEqual([]);
      const refresh = await record('POST', `/gateways/${vault.id}/refresh`);
      expect(refresh.status).toBe(502);
    } finally {
      guard.refuseAll = false;
    }
    for (const id of [refused.id, down.id]) await admin.waitForHealthResult(id, false);
    const refusedView = await record('GET', `/gateways/${refused.id}`);
    // The upstream's echo of the credentials made it into the stored error, masked.
    expect((refusedView.body as GatewayView).lastHealthError).toMatch(/bad credentials for \/mcp\?\*\*\*/);
    expect(answers.flatMap((a) => leaksIn(a.text))).toEqual([]);
  });

  it('appear in no admin answer, /classification or /health', async () => {
    await record('POST', `/gateways/${vault.id}/refresh`);
    await record('PATCH', `/gateways/${vault.id}`, { name: 'vault-renamed' });
    // Re-sending the URL (a credential rotation) answers with the canonical URL only.
    await record('PATCH', `/gateways/${vault.id}`, { url: guard.urlWith(CREDENTIALS) });
    await record('GET', '/gateways');
    for (const id of [vault.id, refused.id, down.id]) {
      await record('GET', `/gateways/${id}`);
      await record('GET', `/gateways/${id}/tools`);
    }
    const published = (v: ClassificationView): boolean => v.metadata !== null && v.cold.length === 3;
    await pollUntil('a published classification', () => admin.classification(), published);
    await record('GET', '/classification');
    answers.push(await admin.request('GET', '/health', undefined, { token: null }));

    expect(answers.filter((a) => a.status >= 500 && a.status !== 502)).toEqual([]);
    expect(answers.flatMap((a) => leaksIn(a.text))).toEqual([]);
    // The canonical URL is still what everyone sees.
    expect(answers.some((a) => a.text.includes(`http://127.0.0.1:${guard.port}/mcp`))).toBe(true);
  });

  it('appear in no Redis key or value under the prefix', async () => {
    const keys = await namespace.keys();
    expect(keys).toContain(`${namespace.prefix}:server_classification:cold`);
    expect(keys.some((key) => key.includes(':server_poll_state:'))).toBe(true);
    expect(leaksIn(await namespace.dump())).toEqual([]);
  });

  it('appear in no log line, from start to shutdown', async () => {
    const exit = await gateway.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const output = gateway.output();
    // The log did talk about these upstreams (so the search is not vacuous), just without their secrets.
    expect(output).toContain('registered upstream');
    expect(output).toMatch(/refused is unhealthy/);
    expect(leaksIn(output)).toEqual([]);
  });
});
