import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { randomBytes } from 'node:crypto';
import { AdminApi } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { federatedName } from './support/federation-client';
import { GatewayProcess, runGatewayToExit, stopAllGateways } from './support/gateway-process';
import { loadJose } from './support/jose';
import { JwksServer } from './support/jwks-server';
import { pollUntil } from './support/poll-until';
import { INITIALIZE_PARAMS, rawMcp, rpc, toolCall, type RawAnswer } from './support/raw-mcp';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet, unusedPort } from './support/upstream-fleet';

const jose = loadJose();
type CryptoKey = Awaited<ReturnType<typeof jose.generateKeyPair>>['privateKey'];

// Polls far apart: between two snapshots, only the requests under test can reach the upstream.
const QUIET_POLLING_ENV = {
  HEALTH_CHECK_INTERVAL: '3600',
  GATEWAY_AUTO_REFRESH_INTERVAL: '3600',
  SHUTDOWN_GRACE_MS: '2000',
};

const token = (name: string): string => `${name}-${randomBytes(16).toString('hex')}`;
const bearer = (value: string): Record<string, string> => ({ authorization: `Bearer ${value}` });

interface UpstreamTraffic {
  methods: Record<string, number>;
  sessionsOpened: number;
}

function traffic(upstream: SampleServer): UpstreamTraffic {
  const { methods, sessionsOpened } = upstream.stats();
  return { methods: { ...methods }, sessionsOpened };
}

/** The upstream's counters once nothing has reached it for a while (discovery done). */
async function quietTraffic(upstream: SampleServer): Promise<UpstreamTraffic> {
  let last = JSON.stringify(traffic(upstream));
  await pollUntil(
    'the upstream to receive nothing for 500 ms',
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = JSON.stringify(traffic(upstream));
      const quiet = now === last;
      last = now;
      return quiet;
    },
    (quiet) => quiet,
  );
  return traffic(upstream);
}

function errorMessageOf(answer: RawAnswer): string {
  const body = answer.body as { jsonrpc?: string; id?: unknown; error?: { message?: string } } | null;
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { message: expect.any(String) } });
  return body?.error?.message ?? '';
}

function toolText(answer: RawAnswer): string {
  expect(answer.status).toBe(200);
  const body = answer.body as { result?: { content?: { type: string; text: string }[] } };
  return (body.result?.content ?? []).map((part) => part.text).join('');
}

/** Each token is refused as invalid (401 with the Bearer challenge) on a tool call. */
async function expectInvalidTokens(baseUrl: string, tokens: readonly string[]): Promise<void> {
  for (const value of tokens) {
    const answer = await rawMcp(baseUrl, {
      body: toolCall(federatedName('alpha', 'echo'), { text: 'x' }),
      headers: bearer(value),
    });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway", error="invalid_token"');
  }
}

async function sdkClient(baseUrl: string, headers: Record<string, string>): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'auth-e2e-client', version: '1.0.0' });
  await client.connect(transport, { timeout: 10_000 });
  return client;
}

async function callText(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 10_000 });
  return (result.content as { type: string; text: string }[]).map((part) => part.text).join('');
}

/** The first match of `pattern` in the gateway's output (lines after "Listening on" may still be coming). */
async function outputMatching(gateway: GatewayProcess, pattern: RegExp): Promise<RegExpExecArray | null> {
  await pollUntil(
    `${pattern.source} in the gateway's output`,
    async () => gateway.output(),
    (output) => pattern.test(output),
  );
  return pattern.exec(gateway.output());
}

/** A gateway with one registered sample upstream, discovered and quiet. */
async function gatewayWithUpstream(
  fleet: UpstreamFleet,
  database: E2eDatabase,
  env: Record<string, string>,
): Promise<{ gateway: GatewayProcess; upstream: SampleServer }> {
  const upstream = await fleet.start('alpha');
  const gateway = await GatewayProcess.start({
    label: 'gateway (auth)',
    env: { ...QUIET_POLLING_ENV, ...env, DATABASE_URL: database.url },
  });
  const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
  const registered = await admin.createGateway('alpha', upstream.url);
  await pollUntil(
    'the upstream tools to be discovered',
    () => admin.listTools(registered.id),
    (tools) => tools.length === 3,
  );
  return { gateway, upstream };
}

describe('MCP endpoints with static tokens and HS256 JWTs', () => {
  const fleet = new UpstreamFleet();
  const alice = token('alice');
  const bob = token('bob');
  const dave = token('dave');
  const erin = token('erin');
  const secret = randomBytes(32).toString('hex');
  const issuer = 'https://issuer.e2e.test';
  const audience = 'mcp-gateway-e2e';
  const sentSecrets: string[] = [alice, bob, dave, erin, secret];
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let upstream: SampleServer;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    ({ gateway, upstream } = await gatewayWithUpstream(fleet, database, {
      MCP_AUTH_TOKENS: `alice=${alice},bob=${bob},dave=${dave},erin=${erin}`,
      MCP_JWT_SECRET: secret,
      MCP_JWT_ISSUER: issuer,
      MCP_JWT_AUDIENCE: audience,
      LOG_LEVEL: 'debug',
    }));
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  /** An HS256 JWT from the configured issuer for the configured audience, unless `claims` say otherwise. */
  const jwt = async (claims: Record<string, unknown>, options: { key?: string; expiresIn?: string | number } = {}) => {
    const value = await new jose.SignJWT({ iss: issuer, aud: audience, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(Buffer.from(options.key ?? secret));
    sentSecrets.push(value);
    return value;
  };

  it('refuses a foreign Host with 403 before anything reaches the upstream', async () => {
    const before = await quietTraffic(upstream);
    for (const path of ['/mcp', '/servers/alpha/mcp']) {
      for (const body of [
        rpc('initialize', INITIALIZE_PARAMS),
        toolCall(federatedName('alpha', 'echo'), { text: 'x' }),
      ]) {
        const answer = await rawMcp(gateway.baseUrl, {
          path,
          body,
          headers: { host: 'evil.example.com', origin: 'http://evil.example.com', ...bearer(alice) },
        });
        expect(answer.status).toBe(403);
        expect(errorMessageOf(answer)).toBe('Forbidden: Host evil.example.com is not allowed');
      }
    }
    expect(traffic(upstream)).toEqual(before);
  });

  it('refuses a foreign Origin with 403 and accepts a loopback one', async () => {
    const before = await quietTraffic(upstream);
    const refused = await rawMcp(gateway.baseUrl, {
      body: toolCall(federatedName('alpha', 'echo'), { text: 'x' }),
      headers: { origin: 'https://evil.example.com', ...bearer(alice) },
    });
    expect(refused.status).toBe(403);
    expect(errorMessageOf(refused)).toBe('Forbidden: Origin https://evil.example.com is not allowed');
    expect(traffic(upstream)).toEqual(before);

    const port = new URL(gateway.baseUrl).port;
    const accepted = await rawMcp(gateway.baseUrl, {
      body: toolCall(federatedName('alpha', 'echo'), { text: 'from a local page' }),
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}`, ...bearer(alice) },
    });
    expect(toolText(accepted)).toBe('from a local page');
  });

  it('answers 401 with a Bearer challenge without a token or with a wrong one, and nothing reaches the upstream', async () => {
    const before = await quietTraffic(upstream);
    const wrong = token('wrong');
    sentSecrets.push(wrong);
    const cases = [
      { headers: {}, challenge: 'Bearer realm="mcp-gateway"' },
      {
        headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` },
        challenge: 'Bearer realm="mcp-gateway"',
      },
      { headers: bearer(wrong), challenge: 'Bearer realm="mcp-gateway", error="invalid_token"' },
      { headers: bearer(`${alice}x`), challenge: 'Bearer realm="mcp-gateway", error="invalid_token"' },
    ];
    for (const path of ['/mcp', '/servers/alpha/mcp']) {
      for (const { headers, challenge } of cases) {
        const answer = await rawMcp(gateway.baseUrl, {
          path,
          body: toolCall(federatedName('alpha', 'echo'), { text: 'x' }),
          headers,
        });
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(challenge);
        expect(errorMessageOf(answer)).toMatch(/^Unauthorized: /);
        expect(answer.text).not.toContain(wrong);
        expect(answer.text).not.toContain(alice);
      }
    }
    expect(traffic(upstream)).toEqual(before);
  });

  it('forwards tool calls of an SDK client with a valid static token', async () => {
    const before = upstream.stats().toolCalls['echo'] ?? 0;
    const client = await sdkClient(gateway.baseUrl, bearer(alice));
    try {
      await expect(callText(client, federatedName('alpha', 'echo'), { text: 'hello, alice' })).resolves.toBe(
        'hello, alice',
      );
    } finally {
      await client.close();
    }
    expect(upstream.stats().toolCalls['echo']).toBe(before + 1);
  });

  it('accepts an HS256 JWT with the right issuer and audience, and its sub as the caller', async () => {
    const client = await sdkClient(gateway.baseUrl, bearer(await jwt({ sub: 'carol' })));
    try {
      await expect(callText(client, federatedName('alpha', 'add'), { a: 20, b: 22 })).resolves.toBe('42');
    } finally {
      await client.close();
    }
  });

  it('refuses expired, foreign-issuer, foreign-audience, badly signed and subject-less JWTs', async () => {
    const before = await quietTraffic(upstream);
    const expired = await jwt({ sub: 'carol' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const refused = [
      await jwt({ sub: 'carol', iss: 'https://other-issuer.test' }),
      await jwt({ sub: 'carol', aud: 'another-service' }),
      await jwt({ sub: 'carol' }, { key: randomBytes(32).toString('hex') }),
      await jwt({}),
    ];
    const expiredAnswer = await rawMcp(gateway.baseUrl, {
      body: toolCall(federatedName('alpha', 'echo'), { text: 'x' }),
      headers: bearer(expired),
    });
    expect(expiredAnswer.status).toBe(401);
    expect(expiredAnswer.headers['www-authenticate']).toBe(
      'Bearer realm="mcp-gateway", error="invalid_token", error_description="The token expired"',
    );
    expect(errorMessageOf(expiredAnswer)).toBe('Unauthorized: token expired');
    await expectInvalidTokens(gateway.baseUrl, refused);
    expect(traffic(upstream)).toEqual(before);
  });

  it('separates pooled upstream sessions by principal, whatever x-mcp-user says', async () => {
    const whoami = federatedName('alpha', 'whoami');
    const call = (value: string, user: string) =>
      rawMcp(gateway.baseUrl, { body: toolCall(whoami), headers: { ...bearer(value), 'x-mcp-user': user } });

    const start = (await quietTraffic(upstream)).sessionsOpened;
    expect(toolText(await call(dave, 'u1'))).toBe('alpha');
    expect(toolText(await call(dave, 'u2'))).toBe('alpha');
    expect(toolText(await call(dave, 'u3'))).toBe('alpha');
    // dave's three calls, under three x-mcp-user values, ran on one pooled session.
    expect(upstream.stats().sessionsOpened - start).toBe(1);
    expect(toolText(await call(erin, 'u1'))).toBe('alpha');
    // erin is another principal: her own upstream session, though her x-mcp-user matches dave's.
    expect(upstream.stats().sessionsOpened - start).toBe(2);
  });

  it('never writes a token or JWT to its log', () => {
    const output = gateway.output();
    expect(output).toMatch(/Rejected MCP request from /);
    for (const value of sentSecrets) expect(output).not.toContain(value);
  });
});

describe('MCP endpoints with JWTs verified by a JWKS', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let jwks: JwksServer;
  let gateway: GatewayProcess;
  let upstream: SampleServer;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    const pair = await jose.generateKeyPair('ES256');
    signingKey = pair.privateKey;
    jwks = await JwksServer.start([
      { ...(await jose.exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' },
    ]);
    ({ gateway, upstream } = await gatewayWithUpstream(fleet, database, { MCP_JWKS_URL: jwks.url }));
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await jwks?.close();
    await database?.drop();
  });

  const sign = (key: CryptoKey, kid: string, claims: Record<string, unknown> = { sub: 'frank' }) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('5m').sign(key);

  it('accepts a JWT signed by a key of the JWKS', async () => {
    const answer = await rawMcp(gateway.baseUrl, {
      body: toolCall(federatedName('alpha', 'echo'), { text: 'signed by the identity provider' }),
      headers: bearer(await sign(signingKey, 'key-1')),
    });
    expect(toolText(answer)).toBe('signed by the identity provider');
    expect(jwks.fetches).toBeGreaterThanOrEqual(1);
  });

  it('refuses JWTs signed by another key, naming an unknown key, or HS256', async () => {
    const before = await quietTraffic(upstream);
    const stranger = (await jose.generateKeyPair('ES256')).privateKey;
    const hs256 = await new jose.SignJWT({ sub: 'frank' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(Buffer.from('k'.repeat(32)));
    await expectInvalidTokens(gateway.baseUrl, [await sign(stranger, 'key-1'), await sign(stranger, 'key-2'), hs256]);
    expect(traffic(upstream)).toEqual(before);
  });
});

describe('client authentication defaults', () => {
  let database: E2eDatabase;

  beforeEach(async () => {
    database = await createSqliteDatabase();
  });

  afterEach(async () => {
    await stopAllGateways();
    await database?.drop();
  });

  const listTools = (baseUrl: string, headers: Record<string, string> = {}) =>
    rawMcp(baseUrl, { body: rpc('tools/list'), headers });

  it('generates and prints a client token when listening beyond loopback without settings', async () => {
    const gateway = await GatewayProcess.start({ env: { HOST: '0.0.0.0', DATABASE_URL: database.url } });
    const printed = await outputMatching(
      gateway,
      /MCP client token \(generated for this run; set MCP_AUTH_TOKENS to fix it\): (\S+)/,
    );
    expect(printed).not.toBeNull();
    const generated = printed?.[1] ?? '';
    expect(gateway.output().split(generated)).toHaveLength(2);
    // Bound to every interface; reached over loopback.
    const baseUrl = `http://127.0.0.1:${new URL(gateway.baseUrl).port}`;

    const refused = await listTools(baseUrl);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway"');
    expect((await listTools(baseUrl, bearer(generated))).status).toBe(200);
  });

  it('stays open beyond loopback with MCP_AUTH_DISABLED=true, and says so', async () => {
    const gateway = await GatewayProcess.start({
      env: { HOST: '0.0.0.0', MCP_AUTH_DISABLED: 'true', DATABASE_URL: database.url },
    });
    await outputMatching(gateway, /MCP endpoints accept any client that reaches 0\.0\.0\.0/);
    expect(gateway.output()).not.toMatch(/MCP client token/);
    expect((await listTools(`http://127.0.0.1:${new URL(gateway.baseUrl).port}`)).status).toBe(200);
  });

  it('needs no token on loopback without settings, and still refuses a foreign Host', async () => {
    const gateway = await GatewayProcess.start({ env: { DATABASE_URL: database.url } });
    await outputMatching(gateway, /MCP client authentication: off \(loopback only\)/);
    expect((await listTools(gateway.baseUrl)).status).toBe(200);
    const rebound = await listTools(gateway.baseUrl, { host: 'evil.example.com', origin: 'http://evil.example.com' });
    expect(rebound.status).toBe(403);
  });

  it('answers 503 without a challenge while the JWKS cannot be fetched, and warns once', async () => {
    const gateway = await GatewayProcess.start({
      env: { MCP_JWKS_URL: `http://127.0.0.1:${await unusedPort()}/jwks.json`, DATABASE_URL: database.url },
    });
    const { privateKey } = await jose.generateKeyPair('ES256');
    const value = await new jose.SignJWT({ sub: 'grace' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const answer = await listTools(gateway.baseUrl, bearer(value));
    expect(answer.status).toBe(503);
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(errorMessageOf(answer)).toMatch(/token keys cannot be fetched/);
    expect((await listTools(gateway.baseUrl, bearer(value))).status).toBe(503);
    await outputMatching(gateway, /JWKS unavailable: /);
    // Once as the outage starts, not once per request.
    expect(gateway.output().match(/JWKS unavailable: /g)).toHaveLength(1);
    expect(gateway.output()).not.toContain(value);
  });

  it('refuses to start on malformed token settings, naming the entry but not the token', async () => {
    const secretToken = token('secret');
    const { code, output } = await runGatewayToExit({
      PORT: '0',
      DATABASE_URL: database.url,
      MCP_AUTH_TOKENS: `alice=${secretToken},bob=${secretToken},carol=`,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/MCP_AUTH_TOKENS: entry 2 repeats the token of an earlier entry/);
    expect(output).toMatch(/MCP_AUTH_TOKENS: entry 3 has an empty token/);
    expect(output).not.toContain(secretToken);
  });
});
