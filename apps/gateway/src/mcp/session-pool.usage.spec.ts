import { Logger } from '@nestjs/common';
import { deferred } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testPoolOptions } from '../../test/support/sample-targets';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { adaptSessionPool } from '@app/classification';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector } from './upstream-connector';
import type { UpstreamTarget } from '@app/registry';

describe('McpSessionPool usage, as classification reads it', () => {
  let alpha: SampleServer;
  let beta: SampleServer;
  let pool: McpSessionPool;
  const clock = { now: 1_700_000_000_000 };

  beforeAll(() => Logger.overrideLogger(new CaptureLogger()));

  beforeEach(async () => {
    [alpha, beta] = await Promise.all([startSampleServer({ name: 'alpha' }), startSampleServer({ name: 'beta' })]);
    pool = new McpSessionPool(testPoolOptions(clock), new UpstreamConnector());
  });

  afterEach(async () => {
    await pool.beforeApplicationShutdown();
    await Promise.all([alpha.close(), beta.close()]);
  });

  it('reports an empty pool as no usage', async () => {
    expect((await adaptSessionPool(pool).snapshot())).toEqual([]);
  });

  it('reports checked-out sessions as active and pooled ones as idle, by upstream id and canonical URL only', async () => {
    const alphaTarget: UpstreamTarget = {
      id: 'gw-alpha',
      name: 'alpha',
      url: alpha.url,
      connectionUrl: `${alpha.url}?api_key=CANARY123`,
      secretPath: false,
      transport: 'streamablehttp',
    };
    const betaTarget: UpstreamTarget = {
      id: 'gw-beta',
      name: 'beta',
      url: beta.url,
      connectionUrl: beta.url,
      secretPath: false,
      transport: 'streamablehttp',
    };
    const hold = deferred();
    const pinged = deferred();

    const usedAt = clock.now;
    await pool.withSession(betaTarget, { user: 'ann' }, (s) => s.ping());
    const busy = pool.withSession(alphaTarget, { user: 'ann' }, async (s) => {
      await s.ping();
      await s.ping();
      pinged.resolve();
      await hold.promise;
    });
    await pinged.promise;

    const usage = (await adaptSessionPool(pool).snapshot());

    expect(usage).toHaveLength(2);
    expect(usage).toEqual(
      expect.arrayContaining([
        { url: alpha.url, gatewayId: 'gw-alpha', lastUsed: usedAt, useCount: 2, active: true },
        { url: beta.url, gatewayId: 'gw-beta', lastUsed: usedAt, useCount: 1, active: false },
      ]),
    );

    expect(JSON.stringify(pool.usage())).not.toContain('CANARY123');

    hold.resolve();
    await busy;
    expect((await adaptSessionPool(pool).snapshot()).every((s) => !s.active)).toBe(true);
  });

  it('reports a session that was opened but never used with lastUsed 0', async () => {
    const target: UpstreamTarget = {
      id: 'gw-alpha',
      name: 'alpha',
      url: alpha.url,
      connectionUrl: alpha.url,
      secretPath: false,
      transport: 'streamablehttp',
    };
    await pool.withSession(target, { user: 'ann' }, async () => undefined);

    expect((await adaptSessionPool(pool).snapshot())).toEqual([
      { url: alpha.url, gatewayId: 'gw-alpha', lastUsed: 0, useCount: 0, active: false },
    ]);
  });
});
