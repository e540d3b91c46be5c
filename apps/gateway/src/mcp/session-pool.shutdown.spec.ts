import { Logger } from '@nestjs/common';
import { deferred, waitUntil } from '../../test/support/async-helpers';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import { shutdownMessages } from '../lifecycle/shutdown.messages';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { SessionPoolClosedError } from './session-pool.errors';
import { UpstreamConnector } from './upstream-connector';

describe('McpSessionPool at shutdown', () => {
  let server: SampleServer;
  let pool: McpSessionPool;
  let warnings: string[];

  beforeEach(async () => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    server = await startSampleServer({ name: 'alpha' });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  const makePool = (shutdownBudgetMs: number): McpSessionPool =>
    (pool = new McpSessionPool(
      testPoolOptions({ now: Date.now() }, { shutdownBudgetMs, callTimeoutMs: 10_000 }),
      new UpstreamConnector(),
    ));

  it('lets a call in flight finish, refuses new checkouts meanwhile, then closes every session', async () => {
    makePool(2_000);
    const target = targetFor(server);
    const hold = deferred();
    const inFlight = pool.withSession(target, ANONYMOUS_IDENTITY, async (session) => {
      await hold.promise;
      return session.callTool({ name: 'echo', arguments: { text: 'finished' } });
    });
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the checkout');

    const shutdown = pool.beforeApplicationShutdown();
    await expect(pool.acquire(target, ANONYMOUS_IDENTITY)).rejects.toBeInstanceOf(SessionPoolClosedError);
    hold.resolve();

    await expect(inFlight).resolves.toMatchObject({ content: [{ type: 'text', text: 'finished' }] });
    await shutdown;
    expect(pool.metrics()).toMatchObject({ sessions: 0, active: 0 });
    expect(warnings).toEqual([]);
  });

  it('closes the session of a call still in flight once three quarters of its budget are spent', async () => {
    makePool(400);
    const target = targetFor(server);
    await pool.withSession(target, ANONYMOUS_IDENTITY, (s) => s.ping());
    server.setHang(true);
    const hung = pool
      .withSession(target, ANONYMOUS_IDENTITY, (s) => s.callTool({ name: 'echo', arguments: { text: 'never' } }))
      .catch((error: unknown) => error);
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the hung checkout');

    const started = Date.now();
    await pool.beforeApplicationShutdown();
    const ms = Date.now() - started;

    expect(ms).toBeGreaterThanOrEqual(290);
    // It returns at all; the margin is for a loaded machine.
    expect(ms).toBeLessThan(5_000);
    expect(warnings[0]).toBe(
      shutdownMessages.overran('client calls in flight', 'sessions', 300, 'closing the session of 1 call'),
    );
    expect(pool.metrics().sessions).toBe(0);
    expect(await hung).toBeInstanceOf(Error);
  });
});
