import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createClassificationConnections, type ClassificationConnections } from './redis-connections';
import { RedisLeaderLock } from './redis-leader-lock';

const TTL = 30;

describe('RedisLeaderLock (real Redis)', () => {
  const prefix = `test:${randomUUID()}`;
  let admin: Redis;
  let workerA: ClassificationConnections;
  let workerB: ClassificationConnections;
  let key: string;
  let keyCount = 0;

  beforeAll(async () => {
    admin = new Redis({ host: '127.0.0.1', port: 6379 });
    workerA = await createClassificationConnections(admin, { intervalSeconds: 10 });
    workerB = await createClassificationConnections(admin, { intervalSeconds: 10 });
  });

  beforeEach(() => {
    key = `${prefix}:server_classification:leader:${keyCount++}`;
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await workerA.close();
    await workerB.close();
    await admin.quit();
  });

  const lockA = (): RedisLeaderLock => new RedisLeaderLock(workerA.lock, key, 'worker-a', TTL);
  const lockB = (): RedisLeaderLock => new RedisLeaderLock(workerB.lock, key, 'worker-b', TTL);

  async function expectTtlWithin(ttl: number): Promise<void> {
    const remaining = await admin.ttl(key);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(ttl);
  }

  it('makes exactly one of two workers contending for one key the leader', async () => {
    const [a, b] = [lockA(), lockB()];
    const results = await Promise.all([a.tryAcquire(), b.tryAcquire()]);

    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? a : b;
    expect(await admin.get(key)).toBe(winner.instanceId);
    expect([a.isLeader(), b.isLeader()]).toEqual(results);
    await expectTtlWithin(TTL);
  });

  it('stores the instance id with the lock TTL when it acquires a free lock', async () => {
    const a = lockA();
    expect(a.isLeader()).toBe(false);

    expect(await a.tryAcquire()).toBe(true);

    expect(a.isLeader()).toBe(true);
    expect(await admin.get(key)).toBe('worker-a');
    await expectTtlWithin(TTL);
  });

  it('renews its own lock, extending the TTL', async () => {
    const a = lockA();
    await a.tryAcquire();
    await admin.expire(key, 2);

    expect(await a.tryAcquire()).toBe(true);

    expect(await admin.ttl(key)).toBeGreaterThan(2);
    await expectTtlWithin(TTL);
  });

  it('neither takes over nor extends a lock held by another worker', async () => {
    const [a, b] = [lockA(), lockB()];
    await a.tryAcquire();
    await admin.expire(key, 5);

    expect(await b.tryAcquire()).toBe(false);

    expect(b.isLeader()).toBe(false);
    expect(await admin.get(key)).toBe('worker-a');
    expect(await admin.ttl(key)).toBeLessThanOrEqual(5);
  });

  it('leaves the lock in place when a worker that does not own it releases', async () => {
    const [a, b] = [lockA(), lockB()];
    await a.tryAcquire();

    expect(await b.release()).toBe(false);

    expect(await admin.get(key)).toBe('worker-a');
    await expectTtlWithin(TTL);
  });

  it('deletes the lock when its owner releases it, so another worker takes over at once', async () => {
    const [a, b] = [lockA(), lockB()];
    await a.tryAcquire();

    expect(await a.release()).toBe(true);

    expect(a.isLeader()).toBe(false);
    expect(await admin.exists(key)).toBe(0);
    expect(await b.tryAcquire()).toBe(true);
  });

  it('steps down when its lock was taken over by another worker', async () => {
    const a = lockA();
    await a.tryAcquire();
    await admin.set(key, 'worker-z', 'EX', TTL);

    expect(await a.tryAcquire()).toBe(false);

    expect(a.isLeader()).toBe(false);
    expect(await admin.get(key)).toBe('worker-z');
    expect(await a.release()).toBe(false);
    expect(await admin.get(key)).toBe('worker-z');
  });

  it('still acquires, renews and releases after SCRIPT FLUSH', async () => {
    const [a, b] = [lockA(), lockB()];
    await a.tryAcquire();
    await admin.script('FLUSH');

    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await admin.script('FLUSH');
    expect(await a.release()).toBe(true);
    await admin.script('FLUSH');
    expect(await b.tryAcquire()).toBe(true);
  });

  it('recognises a lock whose SET NX ran but whose reply was lost', async () => {
    const a = lockA();
    await admin.set(key, 'worker-a', 'EX', TTL);

    expect(await a.tryAcquire()).toBe(true);
    expect(a.isLeader()).toBe(true);
  });

  it('reads the lock back after an ambiguous acquire and finds it held', async () => {
    const a = lockA();
    await admin.set(key, 'worker-a', 'EX', TTL);
    jest.spyOn(workerA.lock, 'classificationAcquireLeader').mockRejectedValueOnce(new Error('Command timed out'));

    expect(await a.tryAcquire()).toBe(true);

    expect(a.isLeader()).toBe(true);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('Command timed out'));
  });

  it('concludes it is not leader after an ambiguous acquire when the lock is another worker’s', async () => {
    const a = lockA();
    await admin.set(key, 'worker-b', 'EX', TTL);
    jest.spyOn(workerA.lock, 'classificationAcquireLeader').mockRejectedValueOnce(new Error('Command timed out'));

    expect(await a.tryAcquire()).toBe(false);
    expect(a.isLeader()).toBe(false);
  });

  it('fails safe (not leader) when both the acquire and the read-back fail', async () => {
    const a = lockA();
    await a.tryAcquire();
    jest.spyOn(workerA.lock, 'classificationAcquireLeader').mockRejectedValueOnce(new Error('Command timed out'));
    jest.spyOn(workerA.lock, 'get').mockRejectedValueOnce(new Error('Connection is closed.'));

    expect(await a.tryAcquire()).toBe(false);

    expect(a.isLeader()).toBe(false);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('Connection is closed.'));
  });

  it('returns false from release when Redis fails, and is no longer leader', async () => {
    const a = lockA();
    await a.tryAcquire();
    jest.spyOn(workerA.lock, 'classificationReleaseLeader').mockRejectedValueOnce(new Error('Command timed out'));

    expect(await a.release()).toBe(false);
    expect(a.isLeader()).toBe(false);
  });

  it('logs leadership changes at log level under its class name, and nothing on a plain renewal', async () => {
    const contexts: (string | undefined)[] = [];
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(function (this: Logger) {
      contexts.push((this as unknown as { context?: string }).context);
    });
    const a = lockA();

    await a.tryAcquire();
    await a.tryAcquire();
    await admin.set(key, 'worker-z', 'EX', TTL);
    await a.tryAcquire();

    expect(log.mock.calls.map(([message]) => message)).toEqual([
      expect.stringContaining('Leadership acquired'),
      expect.stringContaining('Leadership lost'),
    ]);
    expect(contexts).toEqual(['RedisLeaderLock', 'RedisLeaderLock']);
  });

  it('rejects a TTL that is not a positive whole number of seconds', () => {
    expect(() => new RedisLeaderLock(workerA.lock, key, 'worker-a', 0)).toThrow(RangeError);
    expect(() => new RedisLeaderLock(workerA.lock, key, 'worker-a', 1.5)).toThrow(RangeError);
  });
});
