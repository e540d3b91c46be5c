import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown';

/** The app's shared ioredis client, or null when REDIS_URL is unset (single-worker mode). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/**
 * Quits the shared client last (a global module's hook), within the `redis` step of the shutdown:
 * QUIT waits for Redis to answer, so a frozen Redis would hold it forever; past the step's budget,
 * or when QUIT fails, the socket is dropped instead.
 */
@Injectable()
class RedisClientCloser implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    private readonly shutdown: GracefulShutdown,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'end') return;
    if (redis.status !== 'ready') {
      // Not connected: there is nobody to say QUIT to; stop reconnecting.
      redis.disconnect();
      return;
    }
    const quit = await this.shutdown.step('redis', 'Redis quit', () => redis.quit());
    if (!quit) redis.disconnect();
  }
}

function createRedisClient(url: string): Redis {
  const logger = new Logger('Redis');
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectionName: 'mcp-gateway' });
  let reported = false;
  // Without a listener ioredis would print every reconnect failure; log once per outage, without the URL.
  client.on('error', (error: Error) => {
    if (!reported) logger.warn(`Redis unavailable: ${error.message}`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.log('Redis reachable again');
    reported = false;
  });
  return client;
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Redis | null => (config.redisUrl ? createRedisClient(config.redisUrl) : null),
    },
    RedisClientCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
