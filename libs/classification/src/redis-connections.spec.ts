import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { classificationKeys } from './keys';
import { RedisClassificationStore } from './redis-classification-store';
import {
  GATE_COMMAND_TIMEOUT_MS,
  createClassificationConnections,
  lockCommandTimeoutMs,
  type ClassificationConnections,
} from './redis-connections';
import { RedisLeaderLock } from './redis-leader-lock';
import { registerClassificationScripts } from './redis-scripts';

const FAIL_FAST_BOUND_MS = 1500;
const PASSWORD_CANARY = 'CANARY-pw-7f3e';

/** Every message any Nest Logger instance was asked to print, with output silenced. */
function captureLogs(): string[] {
  const messages: string[] = [];
  const record = (...args: unknown[]): void => {
    messages.push(args.map(String).join(' '));
  };
  for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
    jest.spyOn(Logger.prototype, level).mockImplementation(record);
  }
  return messages;
}

async function elapsedMs<T>(work: () => Promise<T>): Promise<{ ms: number; outcome: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [outcome] = await Promise.allSettled([work()]);
  return { ms: performance.now() - started, outcome };
}

describe('createClassificationConnections', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let logs: string[];

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(() => {
    logs = captureLogs();
    unhandled.length = 0;
  });
  afterEach(() => jest.restoreAllMocks());

  describe('with Redis up', () => {
    let base: Redis;
    let connections: ClassificationConnections;

    beforeEach(async () => {
      base = new Redis({ host: '127.0.0.1', port: 6379, keyPrefix: 'caller-prefix:' });
      connections = await createClassificationConnections(base, { intervalSeconds: 4 });
    });

    afterEach(async () => {
      await connections.close();
      await base.quit();
    });

    it('opens two ready connections of its own, separate from the caller’s client', () => {
      expect(connections.gate).not.toBe(base);
      expect(connections.lock).not.toBe(base);
      expect(connections.gate).not.toBe(connections.lock);
      expect(connections.gate.status).toBe('ready');
      expect(connections.lock.status).toBe('ready');
    });

    it('configures both connections to fail fast, leaving the caller’s client as it was', () => {
      for (const client of [connections.gate, connections.lock]) {
        expect(client.options.enableOfflineQueue).toBe(false);
        expect(client.options.maxRetriesPerRequest).toBe(1);
      }
      expect(connections.gate.options.commandTimeout).toBe(GATE_COMMAND_TIMEOUT_MS);
      expect(connections.lock.options.commandTimeout).toBe(1000);
      expect(base.options.enableOfflineQueue).toBe(true);
      expect(base.options.commandTimeout).toBeUndefined();
    });

    it('bounds the lock command timeout by min(2 s, interval / 4)', () => {
      expect(lockCommandTimeoutMs(4)).toBe(1000);
      expect(lockCommandTimeoutMs(300)).toBe(2000);
      expect(lockCommandTimeoutMs(0.01)).toBeGreaterThan(0);
    });

    it('drops a key prefix set on the caller’s client, so key names stay the wire contract', async () => {
      const key = `test:${randomUUID()}:plain`;
      const plain = new Redis({ host: '127.0.0.1', port: 6379 });
      try {
        await connections.gate.set(key, 'v', 'EX', 60);

        expect(connections.gate.options.keyPrefix).toBe('');
        expect(await plain.get(key)).toBe('v');
      } finally {
        await plain.del(key);
        await plain.quit();
      }
    });

    it('names its connections for CLIENT LIST', async () => {
      expect(await connections.gate.client('GETNAME')).toBe('mcpgateway-classification-gate');
      expect(await connections.lock.client('GETNAME')).toBe('mcpgateway-classification-lock');
    });

    it('registers the scripts on both connections, and registering again is harmless', () => {
      registerClassificationScripts(connections.gate);
      for (const client of [connections.gate, connections.lock]) {
        expect(typeof client.classificationAcquireLeader).toBe('function');
        expect(typeof client.classificationReleaseLeader).toBe('function');
        expect(typeof client.classificationPublish).toBe('function');
        expect(typeof client.classificationMarkPolled).toBe('function');
      }
    });

    it('closes both connections, twice without error, and leaves the caller’s client open', async () => {
      await connections.close();
      await connections.close();

      expect(connections.gate.status).toBe('end');
      expect(connections.lock.status).toBe('end');
      expect(await base.ping()).toBe('PONG');
    });

    it('rejects an interval that is not a positive number', async () => {
      await expect(createClassificationConnections(base, { intervalSeconds: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe('with nothing listening on the port', () => {
    let base: Redis;
    let connections: ClassificationConnections;

    beforeEach(async () => {
      base = new Redis({ host: '127.0.0.1', port: 1, password: PASSWORD_CANARY, lazyConnect: true });
      connections = await createClassificationConnections(base, { intervalSeconds: 4, readyTimeoutMs: 300 });
    });

    afterEach(async () => {
      await connections.close();
      base.disconnect();
    });

    it('returns without throwing while the connections keep trying to connect', () => {
      expect(connections.gate.status).not.toBe('ready');
      expect(connections.gate.status).not.toBe('end');
    });

    it('rejects a poll-state read in well under a second and a half', async () => {
      const store = new RedisClassificationStore(connections, classificationKeys(`test:${randomUUID()}`));

      const { ms, outcome } = await elapsedMs(() => store.readPollState('https://up.example/mcp', 'k'));

      expect(outcome.status).toBe('rejected');
      expect(ms).toBeLessThan(FAIL_FAST_BOUND_MS);
    });

    it('concludes it is not leader, without an unhandled rejection', async () => {
      const lock = new RedisLeaderLock(connections.lock, `test:${randomUUID()}:leader`, 'worker-a', 12);

      expect(await lock.tryAcquire()).toBe(false);
      expect(await lock.release()).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });

    it('logs connection errors without the Redis password', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(logs.some((message) => message.includes('Redis connection error'))).toBe(true);
      expect(logs.join('\n')).not.toContain(PASSWORD_CANARY);
    });
  });

  describe('with a server that accepts connections and never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : 0;
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    // Without a ready check the connections report 'ready' on a hung server: only the command timeout helps.
    it.each([
      ['with', true],
      ['without', false],
    ])('fails a poll read fast and the lock safe, %s a ready check', async (_label, enableReadyCheck) => {
      const base = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck });
      const connections = await createClassificationConnections(base, { intervalSeconds: 4, readyTimeoutMs: 1600 });
      try {
        const store = new RedisClassificationStore(connections, classificationKeys(`test:${randomUUID()}`));
        const lock = new RedisLeaderLock(connections.lock, `test:${randomUUID()}:leader`, 'worker-a', 12);

        const read = await elapsedMs(() => store.readPollState('https://up.example/mcp', 'k'));
        const mark = await elapsedMs(() => store.markPolled('https://up.example/mcp', 'k', 1, { hot: 1, cold: 3 }));

        expect(read.outcome.status).toBe('rejected');
        expect(read.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
        expect(mark.outcome.status).toBe('rejected');
        expect(mark.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
        expect(await lock.tryAcquire()).toBe(false);
        expect(lock.isLeader()).toBe(false);
      } finally {
        const { ms } = await elapsedMs(() => connections.close());
        expect(ms).toBeLessThan(FAIL_FAST_BOUND_MS);
        base.disconnect();
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });
  });
});
