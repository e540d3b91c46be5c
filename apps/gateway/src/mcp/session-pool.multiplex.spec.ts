import { Logger } from '@nestjs/common';
import { deferred, waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import { startStatefulUpstream, type StatefulUpstream } from '../../test/support/stateful-upstream';
import type { SessionPoolOptions } from './mcp-options';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector } from './upstream-connector';
import type { UpstreamTarget } from '@app/registry';

const textOf = (result: { content: Array<{ type: string; text?: string }> }): string | undefined =>
  result.content.find((c) => c.type === 'text')?.text;

describe('McpSessionPool carrying concurrent calls on one session', () => {
  let upstream: StatefulUpstream;
  let pool: McpSessionPool;
  let target: UpstreamTarget;
  const clock = { now: 1_700_000_000_000 };

  const makePool = (overrides: Partial<SessionPoolOptions> = {}): McpSessionPool =>
    (pool = new McpSessionPool(testPoolOptions(clock, overrides), new UpstreamConnector()));

  const timedPause = async (ms: number, latencies: number[]): Promise<string | undefined> => {
    const started = Date.now();
    try {
      return await pause(ms);
    } finally {
      latencies.push(Date.now() - started);
    }
  };

  const pause = (ms: number): Promise<string | undefined> =>
    pool.withSession(target, ANONYMOUS_IDENTITY, async (s) =>
      textOf(await s.callTool({ name: 'pause', arguments: { ms } })),
    );

  beforeAll(() => Logger.overrideLogger(new CaptureLogger()));

  beforeEach(async () => {
    upstream = await startStatefulUpstream();
    target = targetFor({ name: 'stateful', url: upstream.url } as never, { id: 'gw-stateful' });
  });

  afterEach(async () => {
    await pool?.beforeApplicationShutdown();
    await upstream.close();
  });

  it('completes 500 concurrent calls to one upstream on at most maxPerKey sessions', async () => {
    // Deadlines for a loaded machine: this is about counts, not speed.
    makePool({
      maxPerKey: 4,
      maxConcurrent: 32,
      acquireTimeoutMs: 60_000,
      connectTimeoutMs: 30_000,
      callTimeoutMs: 60_000,
    });

    const started = Date.now();
    const latencies: number[] = [];
    const results = await Promise.allSettled(Array.from({ length: 500 }, () => timedPause(50, latencies)));
    const wallMs = Date.now() - started;

    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'paused 50 ms')).toHaveLength(500);
    expect(upstream.stats().started['pause']).toBe(500);
    expect(upstream.stats().sessionsOpened).toBeLessThanOrEqual(4);
    expect(pool.metrics()).toMatchObject({ inFlight: 0, waiting: 0, totals: { openFailures: 0, acquireTimeouts: 0 } });
    expect(pool.metrics().totals.opened).toBe(upstream.stats().sessionsOpened);
    // Figures for the record, not assertions: a loaded machine may take longer.
    const p50 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)];
    process.stdout.write(
      `500 concurrent calls: ${wallMs} ms, p50 ${p50} ms, on ${upstream.stats().sessionsOpened} sessions\n`,
    );
  });

  it('puts concurrent calls on one session and opens another only when it is full', async () => {
    makePool({ maxPerKey: 3, maxConcurrent: 2 });
    const hold = deferred();
    const held = (): Promise<void> =>
      pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
        await s.ping();
        await hold.promise;
      });

    const first = [held(), held()];
    await waitUntil(() => pool.metrics().inFlight === 2, 5_000, 'two calls in flight');
    expect(pool.metrics()).toMatchObject({ sessions: 1, active: 1 });
    expect(upstream.stats().sessionsOpened).toBe(1);

    const third = held();
    await waitUntil(() => pool.metrics().inFlight === 3, 5_000, 'a third call in flight');
    expect(pool.metrics()).toMatchObject({ sessions: 2, active: 2 });

    hold.resolve();
    await Promise.all([...first, third]);
    expect(pool.metrics()).toMatchObject({ sessions: 2, active: 0, idle: 2, inFlight: 0 });
    // The next call goes to a session without calls in flight rather than opening one.
    expect(await pause(1)).toBe('paused 1 ms');
    expect(upstream.stats().sessionsOpened).toBe(2);
  });

  it('reports a session active while any call is in flight on it, counting each call as use', async () => {
    makePool();
    const hold = deferred();
    const pinged = deferred();
    let pings = 0;
    const calls = [1, 2, 3].map(() =>
      pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
        await s.ping();
        if (++pings === 3) pinged.resolve();
        await hold.promise;
      }),
    );
    await pinged.promise;

    expect(pool.usage()).toEqual([expect.objectContaining({ active: true, useCount: 3 })]);
    hold.resolve();
    await Promise.all(calls);
    expect(pool.usage()).toEqual([expect.objectContaining({ active: false, useCount: 3 })]);
  });

  it('gives an over-age session no new calls and closes it once its last call returns', async () => {
    makePool({ maxAgeMs: 30_000, maxPerKey: 2 });
    const hold = deferred();
    const long = pool.withSession(target, ANONYMOUS_IDENTITY, async (s) => {
      await s.ping();
      await hold.promise;
    });
    await waitUntil(() => pool.metrics().inFlight === 1, 5_000, 'the long call');

    clock.now += 30_000;
    expect(await pause(1)).toBe('paused 1 ms');
    expect(upstream.stats().sessionsOpened).toBe(2);
    expect(pool.metrics().sessions).toBe(2);

    hold.resolve();
    await long;
    expect(pool.metrics()).toMatchObject({ sessions: 1, totals: { closedAge: 1 } });
    await waitUntil(() => upstream.stats().openSessions === 1, 5_000, 'the old upstream session to end');
  });

  it('waits at shutdown until every call on a shared session has returned', async () => {
    makePool({ shutdownBudgetMs: 10_000 });
    const calls = [pause(300), pause(300), pause(300)];
    await waitUntil(() => pool.metrics().inFlight === 3, 5_000, 'three calls in flight');

    await pool.beforeApplicationShutdown();

    await expect(Promise.all(calls)).resolves.toEqual(['paused 300 ms', 'paused 300 ms', 'paused 300 ms']);
    expect(pool.metrics()).toMatchObject({ sessions: 0, inFlight: 0 });
  });

  it('lets a caller that gives up leave the line, so the next one gets the place', async () => {
    makePool({ maxPerKey: 1, maxConcurrent: 1, acquireTimeoutMs: 10_000 });
    const hold = deferred();
    const first = pool.withSession(target, ANONYMOUS_IDENTITY, () => hold.promise);
    await waitUntil(() => pool.metrics().inFlight === 1, 5_000, 'the first call');
    const controller = new AbortController();
    const abandoned = pool.withSession(target, ANONYMOUS_IDENTITY, async () => 'ran', { signal: controller.signal });
    const next = pause(1);
    await waitUntil(() => pool.metrics().waiting === 2, 5_000, 'two queued callers');

    controller.abort(new Error('the client went away'));

    await expect(abandoned).rejects.toThrow('the client went away');
    expect(pool.metrics().waiting).toBe(1);
    hold.resolve();
    await first;
    await expect(next).resolves.toBe('paused 1 ms');
    expect(pool.metrics().totals.acquireTimeouts).toBe(0);
  });

  it('rejects a concurrency limit that is not a positive integer', () => {
    expect(() => makePool({ maxConcurrent: 0 })).toThrow(/maxConcurrent must be a positive integer/);
    expect(() => makePool({ maxConcurrent: 1.5 })).toThrow(/maxConcurrent/);
    pool = undefined as unknown as McpSessionPool;
  });
});
