import { Logger } from '@nestjs/common';
import { waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { RecordingRelay } from '../../test/support/recording-relay';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import { startStatefulUpstream, type StatefulUpstream } from '../../test/support/stateful-upstream';
import type { SessionPoolOptions } from './mcp-options';
import type { SessionIdentity } from './session-identity';
import { McpSessionPool } from './session-pool';
import { SessionPoolClosedError, SessionPoolExhaustedError } from './session-pool.errors';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamError } from './upstream-error';
import type { UpstreamRelay } from './upstream-relay';
import type { UpstreamTarget } from '@app/registry';

const textOf = (result: { content: Array<{ type: string; text?: string }> }): string | undefined =>
  result.content.find((c) => c.type === 'text')?.text;

describe('McpSessionPool serving gateway client sessions', () => {
  let upstream: StatefulUpstream;
  let pool: McpSessionPool;
  let target: UpstreamTarget;
  let clock: { now: number };

  const makePool = (overrides: Partial<SessionPoolOptions> = {}): McpSessionPool =>
    (pool = new McpSessionPool(testPoolOptions(clock, overrides), new UpstreamConnector()));

  const clientSession = (id: string, relay: UpstreamRelay = new RecordingRelay(), user = 'ann'): SessionIdentity => ({
    user,
    clientSession: { id, relay },
  });

  const call = (
    identity: SessionIdentity,
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<string | undefined> =>
    pool.withSession(target, identity, async (s) => textOf(await s.callTool({ name, arguments: args })));

  beforeAll(() => Logger.overrideLogger(new CaptureLogger()));

  beforeEach(async () => {
    clock = { now: 1_700_000_000_000 };
    upstream = await startStatefulUpstream();
    target = targetFor({ name: 'stateful', url: upstream.url } as never, { id: 'gw-stateful' });
  });

  afterEach(async () => {
    await pool?.beforeApplicationShutdown();
    await upstream.close();
  });

  it('gives each client session its own upstream session, so session state never crosses', async () => {
    makePool();
    const a = clientSession('session-a');
    const b = clientSession('session-b');

    expect(await call(a, 'count')).toBe('1');
    expect(await call(b, 'count')).toBe('1');
    expect(await call(a, 'count')).toBe('2');
    expect(await call(a, 'count')).toBe('3');
    expect(await call(b, 'count')).toBe('2');

    expect(upstream.stats().sessionsOpened).toBe(2);
    expect(pool.metrics()).toMatchObject({ keys: 2, sessions: 2 });
  });

  it('keeps a client session on one upstream session however many calls it makes at once', async () => {
    makePool({ maxPerKey: 4, maxConcurrent: 8 });
    const a = clientSession('session-a');

    const counts = await Promise.all(Array.from({ length: 40 }, () => call(a, 'count')));

    expect(counts.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(upstream.stats().sessionsOpened).toBe(1);
  });

  it("relays the upstream's requests during a call to the client session and its notifications too", async () => {
    makePool();
    const relay = new RecordingRelay();

    const answer = JSON.parse((await call(clientSession('session-a', relay), 'ask')) ?? '{}') as Record<
      string,
      unknown
    >;

    expect(answer).toEqual({
      elicited: { action: 'accept', content: { answer: 'yes' } },
      sampled: { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model' },
      roots: [{ uri: 'file:///work', name: 'work' }],
    });
    // The upstream's ping is answered by the gateway's session itself.
    expect(relay.requests.map((r) => r.method)).toEqual(['elicitation/create', 'sampling/createMessage', 'roots/list']);
    expect(relay.requests[0]?.params).toMatchObject({ message: 'Proceed?' });
    await waitUntil(() => relay.notifications.length > 0, 5_000, 'the logging notification');
    expect(relay.notifications).toEqual([
      expect.objectContaining({ method: 'notifications/message', params: expect.objectContaining({ data: 'asked' }) }),
    ]);
  });

  it('declares no client capabilities on shared sessions: the upstream cannot ask anything of their callers', async () => {
    makePool();

    const failure = await call({ user: 'ann' }, 'ask').catch((error: unknown) => error);

    expect(String(failure)).toMatch(/does not support|Method not found/i);
  });

  it('closes the upstream sessions of a client session that ended, and only those', async () => {
    makePool();
    const a = clientSession('session-a');
    const b = clientSession('session-b');
    await call(a, 'count');
    await call(b, 'count');
    expect(upstream.stats().openSessions).toBe(2);

    await pool.closeClientSession('session-a');

    await waitUntil(() => upstream.stats().openSessions === 1, 5_000, "session-a's upstream session to end");
    expect(pool.metrics()).toMatchObject({ keys: 1, sessions: 1 });
    expect(await call(b, 'count')).toBe('2');
  });

  it('fails the calls of a client session that ends while they are in flight or waiting', async () => {
    makePool({ maxConcurrent: 1 });
    const a = clientSession('session-a');
    const running = call(a, 'wait_for_cancel').catch((error: unknown) => error);
    await waitUntil(() => upstream.stats().started['wait_for_cancel'] === 1, 5_000, 'the running call');
    const queued = call(a, 'count').catch((error: unknown) => error);
    await waitUntil(() => pool.metrics().waiting === 1, 5_000, 'the queued call');

    await pool.closeClientSession('session-a');

    expect(await queued).toBeInstanceOf(SessionPoolClosedError);
    expect(await running).toBeInstanceOf(Error);
    expect(pool.metrics()).toMatchObject({ sessions: 0, inFlight: 0, waiting: 0 });
  });

  it('keeps client sessions past the idle TTL and age limit, which still close shared sessions', async () => {
    makePool({ idleTtlMs: 10_000, maxAgeMs: 20_000 });
    const a = clientSession('session-a');
    await call(a, 'count');
    await call({ user: 'ann' }, 'count');

    clock.now += 60_000;
    expect(pool.sweep()).toBe(1);

    expect(await call(a, 'count')).toBe('2');
    expect(upstream.stats().sessionsOpened).toBe(2);
  });

  it('counts client sessions toward the total limit but never closes them to make room', async () => {
    makePool({ maxTotal: 2 });
    await call(clientSession('session-a'), 'count');
    await call({ user: 'ann' }, 'count');

    clock.now += 1_000;
    await call({ user: 'bob' }, 'count');
    expect(pool.metrics()).toMatchObject({ sessions: 2, totals: { closedForCapacity: 1 } });

    clock.now += 1_000;
    await call(clientSession('session-b'), 'count');
    expect(pool.metrics()).toMatchObject({ sessions: 2, totals: { closedForCapacity: 2 } });
    const failure = call({ user: 'carol' }, 'count');
    await expect(failure).rejects.toBeInstanceOf(SessionPoolExhaustedError);
    await expect(failure).rejects.toThrow(/limit of 2 upstream sessions is reached/);
    expect(await call(clientSession('session-a'), 'count')).toBe('2');
  });

  it('replaces the upstream session of a client session once it broke (the upstream restarted)', async () => {
    makePool();
    const a = clientSession('session-a');
    await call(a, 'count');
    await call(a, 'count');
    await upstream.close();
    upstream = await startStatefulUpstream(upstream.port);

    await expect(call(a, 'count')).rejects.toBeInstanceOf(UpstreamError);
    expect(pool.metrics().totals.closedBroken).toBe(1);
    expect(await call(a, 'count')).toBe('1');
    expect(upstream.stats().sessionsOpened).toBe(1);
  });
});
