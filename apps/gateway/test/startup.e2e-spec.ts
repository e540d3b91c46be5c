import { AdminApi } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FAST_POLLING_ENV, GatewayProcess, runGatewayToExit, stopAllGateways } from './support/gateway-process';

describe('starting the gateway', () => {
  let database: E2eDatabase;

  beforeAll(async () => {
    database = await createSqliteDatabase();
  });

  afterAll(async () => {
    await stopAllGateways();
    await database?.drop();
  });

  it('without ADMIN_TOKEN generates one, prints it once and requires it', async () => {
    const gateway = await GatewayProcess.start({
      env: { ...FAST_POLLING_ENV, DATABASE_URL: database.url },
      generatedAdminToken: true,
    });
    const token = gateway.adminToken;
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(gateway.output().split(token).length - 1).toBe(1);

    const admin = new AdminApi(gateway.baseUrl, token);
    await expect(admin.listGateways()).resolves.toEqual([]);
    expect((await admin.request('GET', '/gateways', undefined, { token: `${token}x` })).status).toBe(401);
    // Using it is not a reason to print it again.
    expect(gateway.output().split(token).length - 1).toBe(1);
    await gateway.stop();
  });

  it('with a bad configuration exits 1 naming every bad variable, without echoing secret values', async () => {
    const secretDatabaseUrl = 'mysql://root:TOPSECRET-PW@db.internal/gateway';
    const exit = await runGatewayToExit({
      DATABASE_URL: secretDatabaseUrl,
      GATEWAY_AUTO_REFRESH_INTERVAL: 'soon',
      ADMIN_TOKEN: 'short',
      PORT: '70000',
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(exit.output).toContain('Invalid configuration');
    for (const name of ['DATABASE_URL', 'GATEWAY_AUTO_REFRESH_INTERVAL', 'ADMIN_TOKEN', 'PORT']) {
      expect(exit.output).toContain(name);
    }
    expect(exit.output).toContain('"soon"');
    expect(exit.output).not.toContain('TOPSECRET-PW');
    expect(exit.output).not.toMatch(/\bshort\b/);
  });
});
