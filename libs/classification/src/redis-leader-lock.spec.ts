import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../test/support';
import { classificationMessages as messages } from './classification.messages';
import { createClassificationConnections, type ClassificationConnections } from './redis-connections';
import { RedisLeaderLock, stepDownMarginMs } from './redis-leader-lock';

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

  describe('validity', () => {
    const ttlMs = TTL * 1000;
    const validForMs = ttlMs - stepDownMarginMs(ttlMs);

    it('renews every third of the TTL and steps down a tenth of the TTL before it ends', () => {
      expect(lockA().renewEveryMs).toBe(ttlMs / 3);
      expect(stepDownMarginMs(ttlMs)).toBe(ttlMs / 10);
      // Never less than the clock drift allowance (1% + 2 ms), however short the TTL.
      expect(stepDownMarginMs(10)).toBeCloseTo(2.1, 6);
    });

    it('stops counting itself leader when the validity of its last acquire runs out, even though Redis still holds its token', async () => {
      const clock = new ManualClock(0);
      const a = new RedisLeaderLock(workerA.lock, key, 'worker-a', TTL, { clock });
      expect(await a.tryAcquire()).toBe(true);
      clock.advance(validForMs - 1);
      expect(a.isLeader()).toBe(true);
      clock.advance(1);

      expect(a.isLeader()).toBe(false);
      expect(await admin.get(key)).toBe('worker-a');
      expect(await admin.pttl(key)).toBeGreaterThan(ttlMs - validForMs);
      expect(Logger.prototype.warn).toHaveBeenCalledWith(messages.leadershipLapsed('worker-a'));
      expect(await a.renew()).toBe(false);
    });

    it('counts the validity from the moment a renewal was sent, not answered', async () => {
      const clock = new ManualClock(0);
      const a = new RedisLeaderLock(workerA.lock, key, 'worker-a', TTL, { clock });
      await a.tryAcquire();
      const renew = workerA.lock.classificationRenewLeader.bind(workerA.lock);
      jest.spyOn(workerA.lock, 'classificationRenewLeader').mockImplementationOnce((...args) => {
        // The answer comes 1 s after the command left.
        const reply = renew(...args);
        return reply.then((value) => {
          clock.advance(1000);
          return value;
        }) as typeof reply;
      });
      clock.advance(5000);

      expect(await a.renew()).toBe(true);
      clock.advance(validForMs - 1000 - 1);
      expect(a.isLeader()).toBe(true);
      clock.advance(1);
      expect(a.isLeader()).toBe(false);
    });

    it('gives a renewal no longer than the validity it has left', async () => {
      const clock = new ManualClock(0);
      const a = new RedisLeaderLock(workerA.lock, key, 'worker-a', TTL, { clock });
      await a.tryAcquire();
      clock.advance(validForMs - 50);
      jest.spyOn(workerA.lock, 'classificationRenewLeader').mockReturnValueOnce(new Promise<never>(() => undefined));

      const started = Date.now();
      await a.renew();

      // The lock connection's own timeout is 2 s; the renewal gave up after the 50 ms it had.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(Logger.prototype.warn).toHaveBeenCalledWith(
        expect.stringContaining('leader lock renew timed out after 50 ms'),
      );
    });

    it('bounds its validity by the TTL it reads back after an ambiguous renewal', async () => {
      const clock = new ManualClock(0);
      const a = new RedisLeaderLock(workerA.lock, key, 'worker-a', TTL, { clock });
      await a.tryAcquire();
      // Someone shortened our lock to 10 s: a read-back must not count on the full TTL.
      await admin.pexpire(key, 10_000);
      jest.spyOn(workerA.lock, 'classificationRenewLeader').mockRejectedValueOnce(new Error('Command timed out'));

      expect(await a.renew()).toBe(true);
      // (A few ms of real time pass between PEXPIRE and the read-back's PTTL.)
      clock.advance(10_000 - stepDownMarginMs(ttlMs) - 100);
      expect(a.isLeader()).toBe(true);
      clock.advance(100);
      expect(a.isLeader()).toBe(false);
    });
  });

  it('renews only a lock it holds: a free lock is not taken back, and nothing is sent when it does not lead', async () => {
    const a = lockA();
    const renew = jest.spyOn(workerA.lock, 'classificationRenewLeader');
    expect(await a.renew()).toBe(false);
    expect(renew).not.toHaveBeenCalled();

    await a.tryAcquire();
    await admin.expire(key, 2);
    expect(await a.renew()).toBe(true);
    await expectTtlWithin(TTL);
    expect(await admin.ttl(key)).toBeGreaterThan(2);

    await admin.del(key);
    expect(await a.renew()).toBe(false);
    expect(a.isLeader()).toBe(false);
    expect(await admin.exists(key)).toBe(0);
  });

  it('ignores the answer of a renewal still in flight when it releases', async () => {
    const a = lockA();
    await a.tryAcquire();
    const renew = workerA.lock.classificationRenewLeader.bind(workerA.lock);
    let answer: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    jest
      .spyOn(workerA.lock, 'classificationRenewLeader')
      .mockImplementationOnce((...args) => gate.then(() => renew(...args)) as ReturnType<typeof renew>);

    const renewing = a.renew();
    expect(await a.release()).toBe(true);
    answer();
    await renewing;

    expect(a.isLeader()).toBe(false);
    // The renew-only script found the lock gone and did not take it back.
    expect(await admin.exists(key)).toBe(0);
  });

  it('rejects a TTL that is not a positive whole number of seconds', () => {
    expect(() => new RedisLeaderLock(workerA.lock, key, 'worker-a', 0)).toThrow(RangeError);
    expect(() => new RedisLeaderLock(workerA.lock, key, 'worker-a', 1.5)).toThrow(RangeError);
  });
});
