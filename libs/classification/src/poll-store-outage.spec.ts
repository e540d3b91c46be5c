import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { PrivateRedis } from '../test/private-redis';
import { ListDirectory, ListPool, ManualClock, testPrefix } from '../test/support';
import { classificationMessages as messages } from './classification.messages';
import { resolveClassificationConfig } from './classification.options';
import { PollGate } from './poll-gate';
import type { PollCandidate } from './poll-round';
import { isStoreReplyError, PollStoreOutage } from './poll-store-outage';
import { createClassificationConnections, type ClassificationConnections } from './redis-connections';
import { RedisClassificationStore } from './redis-classification-store';
import { classificationKeys } from './keys';

const EVERY_MS = 60_000;

describe('PollStoreOutage', () => {
  let clock: ManualClock;
  let logger: Logger;
  let outage: PollStoreOutage;

  beforeEach(() => {
    clock = new ManualClock();
    logger = new Logger('test');
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    jest.spyOn(logger, 'log').mockImplementation(() => undefined);
    outage = new PollStoreOutage(logger, clock, EVERY_MS);
  });

  it('warns once when the store goes, whatever fails after that within an interval', () => {
    outage.failed('connection refused', 37, true);
    for (let i = 0; i < 100; i++) outage.failed('connection refused', i % 2 === 0 ? 37 : 0, i % 2 === 0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(messages.pollStoreDown('connection refused'));
    expect(outage.down).toBe(true);
  });

  it('then summarises at most once per interval, with the next decision that polls without coordination', () => {
    const since = new Date(clock.now()).toISOString();
    outage.failed('refused', 37, true);
    clock.advance(EVERY_MS / 2);
    outage.failed('refused', 37, true);
    outage.failed('refused', 0, false);
    clock.advance(EVERY_MS / 2);
    // A lost write only counts; the round that polls says it.
    outage.failed('refused', 0, false);
    outage.failed('timed out', 37, true);
    expect(logger.warn).toHaveBeenLastCalledWith(messages.pollStoreStillDown(since, 74, 2, 3, 'timed out'));
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('says once when the store answers again, with what happened meanwhile, and starts afresh', () => {
    outage.failed('refused', 37, true);
    clock.advance(90_000);
    outage.failed('refused', 37, true);
    outage.succeeded();
    outage.succeeded();
    expect(logger.log).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledWith(messages.pollStoreRecovered(90, 74, 2));
    expect(outage.down).toBe(false);
    outage.failed('refused', 1, false);
    expect(logger.warn).toHaveBeenLastCalledWith(messages.pollStoreDown('refused'));
  });

  it('tells a store that answered with an error from one that cannot be reached', async () => {
    const { ReplyError } = await import('ioredis');
    expect(isStoreReplyError(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      true,
    );
    expect(isStoreReplyError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(false);
    expect(isStoreReplyError('refused')).toBe(false);
  });
});

describe('PollGate while its Redis is stopped (private Redis)', () => {
  const ROUNDS = 6;
  const UPSTREAMS = 50;
  let server: PrivateRedis;
  let base: Redis;
  let connections: ClassificationConnections;
  let clock: ManualClock;
  let gate: PollGate;
  let lines: string[];

  const upstreams: PollCandidate[] = Array.from({ length: UPSTREAMS }, (_, i) => ({
    id: `gw-${i}`,
    url: `https://up-${i}.example/mcp`,
  }));

  beforeEach(async () => {
    server = await PrivateRedis.start();
    base = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    base.on('error', () => undefined);
    connections = await createClassificationConnections(base, { intervalSeconds: 10 });
    clock = new ManualClock(Date.now());
    const prefix = testPrefix();
    const config = resolveClassificationConfig({
      enabled: true,
      intervalSeconds: 10,
      keyPrefix: prefix,
      instanceId: 'worker-a',
      sessionPool: new ListPool(),
      upstreamDirectory: new ListDirectory(),
      clock,
    });
    gate = new PollGate(config, new RedisClassificationStore(connections, classificationKeys(prefix)));
    lines = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(function (
        this: Logger,
        message: unknown,
        ..._rest: unknown[]
      ) {
        if ((this as unknown as { context?: string }).context === PollGate.name)
          lines.push(`${level} ${String(message)}`);
      });
    }
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await connections.close();
    base.disconnect();
    await server.down();
  });

  /** One round as a poller runs it: claim, poll every due upstream (all succeed), close. */
  async function round(): Promise<number> {
    const claimed = await gate.claimDue('tool_discovery', upstreams, { leaseMs: 5_000 });
    for (const upstream of claimed.due) claimed.complete(upstream);
    await claimed.close();
    return claimed.due.length;
  }

  it('logs a number of lines bounded by the rounds, not by upstreams × rounds, and one line when Redis is back', async () => {
    await round();
    await server.down();
    let polled = 0;
    for (let i = 0; i < ROUNDS; i++) {
      // One hot interval apart (10 s), so every round fails open for all of them again.
      clock.advance(10_000);
      polled += await round();
      // The seed's single decisions too: a failed decision and a failed write per upstream.
      for (const u of upstreams) {
        if (await gate.shouldPollServer(u.url, 'health', u.id)) await gate.markPollCompleted(u.url, 'health', u.id);
      }
    }

    expect(polled).toBe(ROUNDS * UPSTREAMS);
    // The first failure, then at most one summary per interval: here one per round.
    expect(lines.length).toBeLessThanOrEqual(1 + ROUNDS);
    expect(lines[0].startsWith(`warn ${messages.pollStoreDown('')}`)).toBe(true);
    expect(lines.every((line) => !line.includes('up-'))).toBe(true);

    await server.up();
    await waitFor(async () => {
      clock.advance(10_000);
      await round();
      return lines.some((line) => line.startsWith('log '));
    });
    const recovered = lines.filter((line) => line.startsWith('log '));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatch(withAnyNumbers(`log ${messages.pollStoreRecovered(0, 0, 0)}`));
  });
});

/** The message as a pattern in which each 0 stands for any whole number. */
function withAnyNumbers(message: string): RegExp {
  return new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\b0\b/g, '\\d+')}$`);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
