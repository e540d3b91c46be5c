import { Logger } from '@nestjs/common';
import { deferred, waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import type { SessionPoolOptions } from './mcp-options';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { SessionPoolSweeper } from './session-pool.sweeper';
import { SessionPoolClosedError, SessionPoolExhaustedError } from './session-pool.errors';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamError } from './upstream-error';
import type { UpstreamTarget } from '@app/registry';

const textOf = (result: { content: Array<{ type: string; text?: string }> }): string | undefined =>
  result.content.find((c) => c.type === 'text')?.text;

describe('McpSessionPool', () => {
  const logs = new CaptureLogger();
  let server: SampleServer;
  let pool: McpSessionPool;
  let clock: { now: number };

  const makePool = (overrides: Partial<SessionPoolOptions> = {}): McpSessionPool => {
    pool = new McpSessionPool(testPoolOptions(clock, overrides), new UpstreamConnector());
    return pool;
  };

  const echo = (target: UpstreamTarget, text: string, user = ANONYMOUS_IDENTITY): Promise<string | undefined> =>
    pool.withSession(target, user, async (s) => textOf(await s.callTool({ name: 'echo', arguments: { text } })));

  beforeAll(() => Logger.overrideLogger(logs));

  beforeEach(async () => {
    clock = { now: 1_700_000_000_000 };
    server = await startSampleServer({ name: 'alpha' });
  });

  afterEach(async () => {
    await pool?.beforeApplicationShutdown();
    await server.close();
  });

  it('reuses one upstream session across successive calls', async () => {
    makePool();
    const target = targetFor(server);

    expect(await echo(target, 'one')).toBe('one');
    expect(await echo(target, 'two')).toBe('two');
    expect(await echo(target, 'three')).toBe('three');

    expect(server.stats().sessionsOpened).toBe(1);
    expect(server.stats().methods['initialize']).toBe(1);
    expect(pool.metrics()).toMatchObject({ sessions: 1, idle: 1, active: 0, totals: { opened: 1 } });
  });

  it('keeps the sessions of different users and different forwarded credentials apart', async () => {
    makePool();
    const target = targetFor(server);

    await echo(target, 'x', { user: 'ann' });
    await echo(target, 'x', { user: 'bob' });
    await echo(target, 'x', { user: 'bob', headers: { authorization: 'Bearer other' } });
    await echo(target, 'x', { user: 'ann' });

    expect(server.stats().sessionsOpened).toBe(3);
    expect(pool.metrics().keys).toBe(3);
  });

  it('stays within its total limit however many identities call: the least recently used idle session makes room', async () => {
    makePool({ maxTotal: 3 });
    const target = targetFor(server);

    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      clock.now += 1_000;
      expect(await echo(target, user, { user })).toBe(user);
    }

    expect(pool.metrics()).toMatchObject({ sessions: 3, totals: { opened: 5, closedForCapacity: 2 } });
    await waitUntil(() => server.stats().openSessions === 3);
    // u1 and u2 were the least recently used; u5's session is still pooled and reused.
    expect(await echo(target, 'again', { user: 'u5' })).toBe('again');
    expect(pool.metrics().totals.opened).toBe(5);
  });

  it('refuses a new session with a clear error when the total limit is reached and every session is busy', async () => {
    makePool({ maxTotal: 1 });
    const target = targetFor(server);
    const held = deferred<void>();
    const busy = pool.withSession(target, { user: 'ann' }, () => held.promise);

    await expect(echo(target, 'x', { user: 'bob' })).rejects.toThrow(
      /limit of 1 upstream sessions is reached and every one is busy/,
    );
    held.resolve();
    await busy;
    expect(await echo(target, 'x', { user: 'bob' })).toBe('x');
    expect(pool.metrics().sessions).toBe(1);
  });

  it('makes a caller wait while every session of its key is full, then hands it the released place', async () => {
    makePool({ maxPerKey: 1, maxConcurrent: 1 });
    const target = targetFor(server);
    const hold = deferred();

    const first = pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
      await s.ping();
      await hold.promise;
      return 'first';
    });
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the first checkout');
    const second = echo(target, 'second');
    await waitUntil(() => pool.metrics().waiting === 1, 5_000, 'the second caller to queue');

    hold.resolve();

    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    expect(server.stats().sessionsOpened).toBe(1);
  });

  it('serves waiting callers in the order they arrived', async () => {
    makePool({ maxPerKey: 1, maxConcurrent: 1 });
    const target = targetFor(server);
    const hold = deferred();
    const order: string[] = [];

    const first = pool.withSession(target, ANONYMOUS_IDENTITY, async () => {
      await hold.promise;
    });
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the first checkout');
    const waiting = ['a', 'b', 'c'].map((name) =>
      pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
        order.push(name);
        await s.ping();
      }),
    );
    await waitUntil(() => pool.metrics().waiting === 3, 5_000, 'three queued callers');

    hold.resolve();
    await Promise.all([first, ...waiting]);

    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('fails a waiting caller with a clear error once the acquire timeout passes', async () => {
    makePool({ maxPerKey: 1, maxConcurrent: 1, acquireTimeoutMs: 200 });
    const target = targetFor(server);
    const hold = deferred();

    const first = pool.withSession(target, ANONYMOUS_IDENTITY, () => hold.promise);
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the first checkout');

    const started = Date.now();
    const second = echo(target, 'late');
    await expect(second).rejects.toBeInstanceOf(SessionPoolExhaustedError);
    await expect(second).rejects.toThrow(
      /No session to upstream "alpha" became free within 200 ms \(limit 1 per user and upstream\)/,
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(pool.metrics()).toMatchObject({ waiting: 0, totals: { acquireTimeouts: 1 } });

    hold.resolve();
    await first;
  });

  it('closes a session that stayed idle past the idle TTL', async () => {
    makePool({ idleTtlMs: 10_000 });
    const target = targetFor(server);
    await echo(target, 'x');

    clock.now += 9_999;
    expect(pool.sweep()).toBe(0);
    clock.now += 1;
    expect(pool.sweep()).toBe(1);

    expect(pool.metrics()).toMatchObject({ sessions: 0, keys: 0, totals: { closedIdle: 1 } });
    await waitUntil(() => server.stats().openSessions === 0, 5_000, 'the upstream session to end');
    await echo(target, 'y');
    expect(server.stats().sessionsOpened).toBe(2);
  });

  it('replaces a session older than the age limit even though it never sat idle for long', async () => {
    makePool({ idleTtlMs: 60_000, maxAgeMs: 30_000 });
    const target = targetFor(server);

    for (let i = 0; i < 4; i += 1) {
      await echo(target, `call ${i}`);
      clock.now += 10_000;
    }

    expect(server.stats().sessionsOpened).toBe(2);
    expect(pool.metrics()).toMatchObject({ sessions: 1, totals: { opened: 2, closedAge: 1 } });
  });

  it('retires an over-age session when it comes back instead of pooling it', async () => {
    makePool({ maxAgeMs: 30_000 });
    const target = targetFor(server);

    await pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
      await s.ping();
      clock.now += 30_000;
    });

    expect(pool.metrics()).toMatchObject({ sessions: 0, totals: { closedAge: 1 } });
  });

  it('sweeps expired sessions on its own timer once the module starts', async () => {
    clock.now = Date.now();
    makePool({ idleTtlMs: 150, sweepIntervalMs: 25, now: Date.now });
    const sweeper = new SessionPoolSweeper(pool);
    sweeper.onApplicationBootstrap();
    await echo(targetFor(server), 'x');
    expect(pool.metrics().sessions).toBe(1);

    await waitUntil(() => pool.metrics().sessions === 0, 5_000, 'the sweep');
    expect(pool.metrics().totals.closedIdle).toBe(1);
    await sweeper.onModuleDestroy();
  });

  it('drops a broken session when the upstream goes away and opens a fresh one when it is back', async () => {
    makePool();
    const target = targetFor(server);
    await echo(target, 'before');
    const port = server.port;

    await server.close();
    const failed = echo(target, 'while down');
    await expect(failed).rejects.toBeInstanceOf(UpstreamError);
    await expect(failed).rejects.toMatchObject({ kind: 'unreachable', upstreamId: 'gw-alpha' });
    expect(pool.metrics().sessions).toBe(0);
    expect(pool.metrics().totals.closedBroken).toBeGreaterThanOrEqual(1);

    server = await startSampleServer({ name: 'alpha', port });
    expect(await echo(target, 'after')).toBe('after');
    expect(pool.metrics()).toMatchObject({ sessions: 1 });
  });

  it('records lastUsed and useCount on every client call made through a session', async () => {
    makePool();
    const target = targetFor(server);

    const start = clock.now;
    await pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
      await s.callTool({ name: 'echo', arguments: { text: 'a' } });
      clock.now = start + 1_000;
      await s.listTools();
    });
    expect(pool.usage()).toEqual([
      expect.objectContaining({ gatewayId: 'gw-alpha', lastUsed: start + 1_000, useCount: 2, active: false }),
    ]);

    clock.now = start + 5_000;
    await echo(target, 'b');
    expect(pool.usage()).toEqual([expect.objectContaining({ lastUsed: start + 5_000, useCount: 3 })]);
  });

  it('does not count a checkout without client calls as use', async () => {
    makePool();
    await pool.withSession(targetFor(server), ANONYMOUS_IDENTITY, async () => undefined);

    expect(pool.usage()).toEqual([expect.objectContaining({ lastUsed: 0, useCount: 0 })]);
  });

  it('closes idle and checked-out sessions alike on closeAll, and the upstream sees them end', async () => {
    makePool();
    const target = targetFor(server);
    const hold = deferred();
    await echo(target, 'idle one', { user: 'ann' });
    const busy = pool.withSession(target, { user: 'bob' }, async (s) => {
      await s.ping();
      await hold.promise;
      return s.ping();
    });
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the busy checkout');
    expect(server.stats().openSessions).toBe(2);

    await pool.closeAll();

    expect(pool.metrics()).toMatchObject({ sessions: 0, active: 0, idle: 0 });
    await waitUntil(() => server.stats().openSessions === 0, 5_000, 'both upstream sessions to end');
    hold.resolve();
    await expect(busy).rejects.toThrow(/returned to the pool/);
  });

  it('turns away waiting callers on closeAll', async () => {
    makePool({ maxPerKey: 1, maxConcurrent: 1 });
    const target = targetFor(server);
    const hold = deferred();
    const first = pool.withSession(target, ANONYMOUS_IDENTITY, () => hold.promise);
    await waitUntil(() => pool.metrics().active === 1, 5_000, 'the first checkout');
    const second = echo(target, 'queued').catch((error: unknown) => error);
    await waitUntil(() => pool.metrics().waiting === 1, 5_000, 'the queued caller');

    await pool.closeAll();

    expect(await second).toBeInstanceOf(SessionPoolClosedError);
    hold.resolve();
    await first;
  });

  it('refuses new work once the application shuts down', async () => {
    makePool();
    await echo(targetFor(server), 'x');

    await pool.beforeApplicationShutdown();

    expect(pool.metrics().sessions).toBe(0);
    await expect(echo(targetFor(server), 'y')).rejects.toBeInstanceOf(SessionPoolClosedError);
  });

  it('pools sessions over the HTTP+SSE transport as well', async () => {
    makePool();
    const target = targetFor(server, { url: server.sseUrl, connectionUrl: server.sseUrl, transport: 'sse' });

    expect(await echo(target, 'over sse')).toBe('over sse');
    expect(await echo(target, 'again')).toBe('again');

    expect(server.stats().sessionsOpened).toBe(1);
  });

  it('reports an unreachable upstream without the credentials of its connection URL', async () => {
    makePool();
    const port = server.port;
    await server.close();
    const target = targetFor(server, {
      connectionUrl: `http://user:s3cret-pass@127.0.0.1:${port}/mcp?api_key=CANARY123`,
    });

    const failure = await echo(target, 'x').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UpstreamError);
    const message = (failure as Error).message;
    expect(message).toContain('"alpha"');
    expect(message).not.toMatch(/CANARY123|s3cret-pass|api_key/);
    server = await startSampleServer({ name: 'alpha' });
  });

  it('logs sessions by their upstream name and canonical URL, never by the pool key URL', () => {
    expect(logs.text()).toMatch(/Opened session #\d+ to "alpha" \(http:\/\/127\.0\.0\.1:\d+\/mcp\)/);
    expect(logs.text()).not.toMatch(/CANARY123|s3cret-pass/);
  });

  it('rejects options that would make the pool useless', () => {
    expect(() => makePool({ maxPerKey: 0 })).toThrow(/maxPerKey must be a positive number/);
    expect(() => makePool({ idleTtlMs: Number.NaN })).toThrow(/idleTtlMs/);
  });
});
