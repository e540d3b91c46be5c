import { createHash } from 'node:crypto';
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
  type SecretPathProxy,
} from './support/upstream-fleet';

const CREDENTIALS: ExpectedCredentials = { apiKey: 'CANARY123', user: 'svc-user', password: 'PaSSw0rd-XYZZY' };
/** API keys in the path of an upstream registered with `secretPath`: the right one, and one the server refuses. */
const PATH_KEY = 'PATHCANARY-4d1f9e';
const WRONG_PATH_KEY = 'PATHCANARY-0badc0';
/** Every form a credential could leak in: as sent, and as the HTTP Basic header carries it. */
const SECRETS = [
  CREDENTIALS.apiKey,
  CREDENTIALS.password,
  Buffer.from(`${CREDENTIALS.user}:${CREDENTIALS.password}`).toString('base64'),
  // Both path keys share this, so a search for it finds either, whole or cut short.
  'PATHCANARY',
  Buffer.from(PATH_KEY).toString('base64'),
];
/** What the canonical URL of a secret path holds instead of the path. */
const pathDigest = (key: string): string =>
  `path-sha256-${createHash('sha256').update(`/${key}/mcp`).digest('hex').slice(0, 32)}`;

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
  let pathGuard: SecretPathProxy;
  let keyed: GatewayView;
  let wrongKey: GatewayView;

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
    pathGuard = await fleet.pathGuard(await fleet.start('keyed'), PATH_KEY);
    keyed = (await record('POST', '/gateways', { name: 'keyed', url: pathGuard.urlWith(PATH_KEY), secretPath: true }))
      .body as GatewayView;
    // The same server under a key it refuses: a 404 that echoes the path back.
    wrongKey = (
      await record('POST', '/gateways', { name: 'wrong-key', url: pathGuard.urlWith(WRONG_PATH_KEY), secretPath: true })
    ).body as GatewayView;
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
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(vault).toMatchObject({ name: 'vault', url: `http://127.0.0.1:${guard.port}/mcp`, hasCredentials: true });
    // A secret path is shown as its digest: one per key, so the two registrations stay two servers.
    expect(keyed).toMatchObject({
      url: `http://127.0.0.1:${pathGuard.port}/${pathDigest(PATH_KEY)}`,
      secretPath: true,
      hasCredentials: true,
    });
    expect(wrongKey.url).toBe(`http://127.0.0.1:${pathGuard.port}/${pathDigest(WRONG_PATH_KEY)}`);
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

  it('reach an upstream with the key in its path on every call through /mcp', async () => {
    await pollUntil(
      'the keyed tools in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('keyed__echo'),
    );
    await expect(mcp.callTool(federatedName('keyed', 'echo'), { text: 'through the path key' })).resolves.toEqual({
      text: 'through the path key',
      isError: false,
    });
    expect(pathGuard.accepted).toBeGreaterThan(0);
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
    for (const id of [refused.id, down.id, wrongKey.id]) await admin.waitForHealthResult(id, false);
    const refusedView = await record('GET', `/gateways/${refused.id}`);
    // The upstream's echo of the credentials made it into the stored error, masked.
    expect((refusedView.body as GatewayView).lastHealthError).toMatch(/bad credentials for \/mcp\?\*\*\*/);
    // So did the echo of the path key.
    const wrongKeyView = await record('GET', `/gateways/${wrongKey.id}`);
    expect((wrongKeyView.body as GatewayView).lastHealthError).toMatch(/no such path \/\*\*\*/);
    await record('POST', `/gateways/${wrongKey.id}/refresh`);
    expect(answers.flatMap((a) => leaksIn(a.text))).toEqual([]);
  });

  it('appear in no admin answer, /classification or /health', async () => {
    await record('POST', `/gateways/${vault.id}/refresh`);
    await record('PATCH', `/gateways/${vault.id}`, { name: 'vault-renamed' });
    // Re-sending the URL (a credential rotation) answers with the canonical URL only.
    await record('PATCH', `/gateways/${vault.id}`, { url: guard.urlWith(CREDENTIALS) });
    await record('PATCH', `/gateways/${keyed.id}`, { name: 'keyed-renamed' });
    await record('PATCH', `/gateways/${keyed.id}`, { url: pathGuard.urlWith(PATH_KEY) });
    await record('PATCH', `/gateways/${keyed.id}`, { name: 'keyed' });
    await record('GET', '/gateways');
    for (const id of [vault.id, refused.id, down.id, keyed.id, wrongKey.id]) {
      await record('GET', `/gateways/${id}`);
      await record('GET', `/gateways/${id}/tools`);
    }
    const published = (v: ClassificationView): boolean => v.metadata !== null && v.hot.length + v.cold.length === 5;
    const classification = await pollUntil('a published classification', () => admin.classification(), published);
    // The upstreams with a secret path are ranked and published under their digests.
    expect([...classification.hot, ...classification.cold]).toEqual(expect.arrayContaining([keyed.url, wrongKey.url]));
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
    const dump = await namespace.dump();
    expect(dump).toContain(pathDigest(PATH_KEY));
    expect(leaksIn(keys.join('\n'))).toEqual([]);
    expect(leaksIn(dump)).toEqual([]);
  });

  it('appear in no log line, from start to shutdown', async () => {
    const exit = await gateway.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const output = gateway.output();
    // The log did talk about these upstreams (so the search is not vacuous), just without their secrets.
    expect(output).toContain('registered upstream');
    expect(output).toMatch(/refused is unhealthy/);
    expect(output).toMatch(/wrong-key is unhealthy: .*no such path \/\*\*\*/);
    expect(output).toContain(pathDigest(PATH_KEY));
    expect(leaksIn(output)).toEqual([]);
  });
});
