import { Test, type TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ClassificationModule } from '../src/classification.module';
import type { ClassificationModuleOptions } from '../src/classification.options';
import type { Clock } from '@app/common';
import type { UpstreamDirectory, UpstreamRef, SessionPoolSource, SessionUsage } from '../src/types';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Registry contents the test controls (the TypeORM directory is tested with the registry). */
export class ListDirectory implements UpstreamDirectory {
  constructor(public gateways: UpstreamRef[] = []) {}
  async listEnabled(): Promise<UpstreamRef[]> {
    return [...this.gateways];
  }
}

/** Session usage the test controls (the real pool's adapter is tested with the gateway app). */
export class ListPool implements SessionPoolSource {
  constructor(public sessions: SessionUsage[] = []) {}
  snapshot(): SessionUsage[] {
    return [...this.sessions];
  }
}

export function testPrefix(): string {
  return `test:${randomUUID()}`;
}

export function gateways(count: number): UpstreamRef[] {
  return Array.from({ length: count }, (_, i) => ({ id: `gw-${i}`, url: `https://up-${i}.example/mcp` }));
}

/** Compiles a testing module around ClassificationModule; hooks run only if the caller calls init(). */
export async function compileClassification(
  options: Partial<ClassificationModuleOptions> & Pick<ClassificationModuleOptions, 'sessionPool'>,
): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [
      ClassificationModule.forRoot({
        enabled: true,
        intervalSeconds: 60,
        upstreamDirectory: new ListDirectory(),
        ...options,
      }),
    ],
  }).compile();
}

/** Deletes every key under a test's prefix; never touches other suites' keys. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
}

export function newRedis(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
}
