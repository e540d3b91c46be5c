import type { TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { PrivateRedis } from '../test/private-redis';
import { ListDirectory, ListPool, compileClassification, gateways, testPrefix } from '../test/support';
import { CLASSIFICATION_TASK, ClassificationScheduler } from './classification.scheduler';
import { commonMessages } from '@app/common';
import { classificationKeys } from './keys';
import type { ClassificationConnections } from './redis-connections';
import { CLASSIFICATION_REDIS } from './tokens';
import type { UpstreamDirectory, UpstreamRef } from './types';

// interval 1 s: lock TTL 3 s, renewals every 1 s, a cycle abandoned after 2.4 s.
const INTERVAL = 1;
const TTL_MS = 3000;
const SAMPLE_MS = 20;

/** A directory that answers until told to hang, then never answers again. */
class HangingDirectory implements UpstreamDirectory {
  hang = false;
  calls = 0;
  constructor(private readonly list: UpstreamRef[]) {}
  listEnabled(): Promise<UpstreamRef[]> {
    this.calls += 1;
    return this.hang ? new Promise<never>(() => undefined) : Promise.resolve([...this.list]);
  }
}

/** Every acquire or renew a worker sends on its lock connection: when (test clock) and whether it took. */
interface LockSend {
  at: number;
  held: boolean | null;
}

function recordLockSends(connections: ClassificationConnections): LockSend[] {
  const sends: LockSend[] = [];
  const lock = connections.lock as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['classificationAcquireLeader', 'classificationRenewLeader']) {
    const original = lock[name].bind(lock);
    lock[name] = (...args: unknown[]) => {
      const send: LockSend = { at: Date.now(), held: null };
      sends.push(send);
      const reply = original(...args);
      reply.then(
        (value) => (send.held = value === 1),
        () => (send.held = false),
      );
      return reply;
    };
  }
  return sends;
}

/** Samples both workers' own view of their leadership every 20 ms, until stopped. */
class LeadershipSampler {
  readonly samples: { at: number; a: boolean; b: boolean }[] = [];
  private timer: NodeJS.Timeout;

  constructor(
    private readonly a: ClassificationScheduler,
    private readonly b: ClassificationScheduler,
  ) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  sample(): void {
    this.samples.push({ at: Date.now(), a: this.a.isLeader(), b: this.b.isLeader() });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  overlaps(): number {
    return this.samples.filter((s) => s.a && s.b).length;
  }
}

describe('Leader lease (private Redis)', () => {
  let server: PrivateRedis;
  let admin: Redis;
  let prefix: string;
  const clients: Redis[] = [];
  const modules: TestingModule[] = [];

  const worker = async (instanceId: string, directory: UpstreamDirectory): Promise<TestingModule> => {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    clients.push(client);
    const module = await compileClassification({
      redis: client,
      keyPrefix: prefix,
      instanceId,
      intervalSeconds: INTERVAL,
      errorBackoffSeconds: 0.2,
      sessionPool: new ListPool([
        { url: 'https://up-1.example/mcp', gatewayId: 'gw-1', lastUsed: 5, useCount: 1, active: false },
      ]),
      upstreamDirectory: directory,
    });
    modules.push(module);
    return module;
  };
  const leaderKey = () => classificationKeys(prefix).leader;

  beforeEach(async () => {
    server = await PrivateRedis.start();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    prefix = testPrefix();
  });

  afterEach(async () => {
    server.thaw();
    await Promise.all(modules.splice(0).map((m) => m.close()));
    for (const client of clients.splice(0)) client.disconnect();
    admin.disconnect();
    await server.down();
  });

  it('keeps the lock alive and owned while a cycle hangs far longer than the TTL, and no other worker leads meanwhile', async () => {
    const directory = new HangingDirectory(gateways(5));
    const a = (await worker('worker-a', directory)).get(ClassificationScheduler);
    a.start();
    await waitFor(() => a.getLastResult() !== null && a.isLeader());
    directory.hang = true;
    const hangsFrom = directory.calls;
    const b = (await worker('worker-b', new ListDirectory(gateways(5)))).get(ClassificationScheduler);
    b.start();
    const sampler = new LeadershipSampler(a, b);

    // Four TTLs of a hung leader: without its own renewals, the lock would lapse within one.
    const until = Date.now() + 4 * TTL_MS;
    let minPttl = Infinity;
    const owners = new Set<string | null>();
    while (Date.now() < until) {
      const [pttl, owner] = await Promise.all([admin.pttl(leaderKey()), admin.get(leaderKey())]);
      minPttl = Math.min(minPttl, pttl);
      owners.add(owner);
      await sleep(SAMPLE_MS);
    }
    sampler.stop();

    expect(directory.calls).toBeGreaterThan(hangsFrom);
    expect(a.status().lastError).toBe(commonMessages.deadlineExceeded(CLASSIFICATION_TASK, 2400));
    expect(minPttl).toBeGreaterThan(0);
    expect([...owners]).toEqual(['worker-a']);
    expect(sampler.samples.every((s) => s.a && !s.b)).toBe(true);
  });

  it('steps down before its lock could expire when Redis hangs, and leaves exactly one leader after it answers again', async () => {
    const a = await worker('worker-a', new ListDirectory(gateways(5)));
    const leaderA = a.get(ClassificationScheduler);
    const sends = recordLockSends(a.get<ClassificationConnections>(CLASSIFICATION_REDIS));
    leaderA.start();
    await waitFor(() => leaderA.isLeader());
    const leaderB = (await worker('worker-b', new ListDirectory(gateways(5)))).get(ClassificationScheduler);
    leaderB.start();
    const sampler = new LeadershipSampler(leaderA, leaderB);
    // Let a renewal or two go through first.
    await sleep(TTL_MS / 2);

    server.freeze();
    const frozenAt = Date.now();
    await waitFor(() => !leaderA.isLeader(), TTL_MS + 1000, 5);
    const steppedDownBy = Date.now();
    const confirmed = sends.filter((s) => s.held === true && s.at < frozenAt);
    const lastConfirmed = confirmed[confirmed.length - 1];
    // The key cannot expire before the last confirmed renewal's send time plus the TTL.
    expect(steppedDownBy).toBeLessThan(lastConfirmed.at + TTL_MS);

    // Frozen for two TTLs: the lock expires in Redis meanwhile; nobody leads.
    await sleep(2 * TTL_MS);
    expect([leaderA.isLeader(), leaderB.isLeader()]).toEqual([false, false]);
    server.thaw();

    await waitFor(() => leaderA.isLeader() || leaderB.isLeader(), 4 * TTL_MS);
    await sleep(TTL_MS);
    sampler.stop();
    const leaders = [leaderA, leaderB].filter((s) => s.isLeader());
    expect(leaders).toHaveLength(1);
    expect(await admin.get(leaderKey())).toBe(leaders[0].status().instanceId);
    expect(sampler.overlaps()).toBe(0);
    expect(sampler.samples.length).toBeGreaterThan((4 * TTL_MS) / (2 * SAMPLE_MS));
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(everyMs);
  }
}
