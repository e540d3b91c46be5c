import { Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { classificationMessages as messages } from './classification.messages';
import { registerClassificationScripts } from './redis-scripts';

/**
 * The library's own Redis connections. `gate` serves poll decisions, `lock` serves the leader
 * lock and the fenced publish, so a slow or busy gate can never delay a lock renewal.
 */
export interface ClassificationConnections {
  gate: Redis;
  lock: Redis;
  /**
   * Quits both connections, each within `timeoutMs` (default 1 s); falls back to disconnect
   * when quit fails or hangs. True when both quit cleanly. Idempotent (later calls share the first).
   */
  close(timeoutMs?: number): Promise<boolean>;
}

export interface ClassificationConnectionOptions {
  /** The classification interval in seconds; bounds the lock connection's command timeout. */
  intervalSeconds: number;
  /** How long to wait for 'ready' before returning anyway (the connections keep reconnecting). */
  readyTimeoutMs?: number;
}

/** A poll decision must answer within about a second even when Redis is down or hung. */
export const GATE_COMMAND_TIMEOUT_MS = 500;
export const MAX_LOCK_COMMAND_TIMEOUT_MS = 2000;
const MIN_LOCK_COMMAND_TIMEOUT_MS = 100;
const DEFAULT_READY_TIMEOUT_MS = 2000;
/** How long a connection's QUIT may take before it is dropped, unless the caller gives less. */
export const QUIT_TIMEOUT_MS = 1000;

/** Lock commands time out well inside one renewal period: min(2 s, interval / 4). */
export function lockCommandTimeoutMs(intervalSeconds: number): number {
  return Math.max(MIN_LOCK_COMMAND_TIMEOUT_MS, Math.min(MAX_LOCK_COMMAND_TIMEOUT_MS, (intervalSeconds * 1000) / 4));
}

/**
 * Duplicates the caller's client into the gate and lock connections with fail-fast settings:
 * no offline queue (a command while disconnected rejects at once instead of waiting ~10 s), one
 * retry per request, and a command timeout (a hung server cannot stall a caller). The caller's
 * client is left untouched and stays the caller's to close.
 */
export async function createClassificationConnections(
  base: Redis,
  options: ClassificationConnectionOptions,
): Promise<ClassificationConnections> {
  if (!Number.isFinite(options.intervalSeconds) || options.intervalSeconds <= 0) {
    throw new RangeError(messages.invalidInterval(options.intervalSeconds));
  }
  const gate = openConnection(base, 'gate', GATE_COMMAND_TIMEOUT_MS);
  const lock = openConnection(base, 'lock', lockCommandTimeoutMs(options.intervalSeconds));
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  await Promise.all([waitForReady(gate, readyTimeoutMs), waitForReady(lock, readyTimeoutMs)]);

  let closing: Promise<boolean> | undefined;
  return {
    gate,
    lock,
    close: (timeoutMs = QUIT_TIMEOUT_MS) =>
      (closing ??= Promise.all([closeConnection(gate, timeoutMs), closeConnection(lock, timeoutMs)]).then((quit) =>
        quit.every(Boolean),
      )),
  };
}

function openConnection(base: Redis, role: 'gate' | 'lock', commandTimeout: number): Redis {
  const override: Partial<RedisOptions> = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout,
    // A lock command must not wait in a shared auto-pipeline behind gate traffic.
    enableAutoPipelining: false,
    lazyConnect: false,
    // Key names are the wire contract (the module's keyPrefix); a client-level prefix would change them.
    keyPrefix: '',
    connectionName: `mcpgateway-classification-${role}`,
  };
  const client = base.duplicate(override);
  registerClassificationScripts(client);
  attachErrorLogging(client, new Logger(`ClassificationRedis:${role}`));
  return client;
}

/**
 * Without an 'error' listener ioredis errors would crash the process. While Redis stays down the
 * same error repeats on every reconnect, so only the first one after each 'ready' is a warning.
 * ioredis error messages name host and port at most, never the password.
 */
function attachErrorLogging(client: Redis, logger: Logger): void {
  let lastMessage: string | undefined;
  client.on('error', (error: Error) => {
    if (error.message === lastMessage) {
      logger.debug(messages.redisErrorRepeated(error.message));
      return;
    }
    lastMessage = error.message;
    logger.warn(messages.redisError(error.message));
  });
  client.on('ready', () => {
    if (lastMessage !== undefined) logger.log(messages.redisReady());
    lastMessage = undefined;
  });
}

/** Resolves on 'ready', on 'end' (reconnection given up) or after the timeout; never rejects. */
function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready' || client.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.once('ready', done);
    client.once('end', done);
  });
}

/** QUIT, then wait for the socket to end; disconnect when QUIT fails or either step hangs. True when it quit. */
async function closeConnection(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'end') return true;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
  });
  try {
    const outcome = await Promise.race([client.quit().then(() => ended), timedOut]);
    if (outcome !== 'timeout') return true;
    client.disconnect();
    return false;
  } catch {
    // Not connected (no offline queue to hold QUIT): just drop the socket and stop reconnecting.
    client.disconnect();
    return true;
  } finally {
    clearTimeout(timer);
  }
}
