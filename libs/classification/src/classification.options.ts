import type Redis from 'ioredis';
import { z } from 'zod';
import { systemClock, type Clock } from '@app/common';
import { classificationMessages as messages } from './classification.messages';
import { DEFAULT_HOT_RATIO } from './classify';
import { createInstanceId } from './instance-id';
import { DEFAULT_KEY_PREFIX } from './keys';
import type { SessionPoolSource, SessionUsageReporter, UpstreamDirectory } from './types';

/** How long each of the module's shutdown steps may take unless `shutdownTimeoutMs` says otherwise. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/** Options of `ClassificationModule.forRoot` / `forRootAsync`. */
export interface ClassificationModuleOptions {
  /** Off: no classification loop, and every poll decision is "poll". */
  enabled: boolean;
  /** Base interval in seconds: the classification cycle and the hot poll interval. */
  intervalSeconds: number;
  /**
   * A connected (or connecting) ioredis client for shared state and leader election. The module
   * derives its own fail-fast connections from it and never closes the caller's client.
   * Absent: single worker, classification kept in memory.
   */
  redis?: Redis;
  /** Where session usage comes from: the app's pool as it is (`usage()`), or a `snapshot()` source. */
  sessionPool: SessionPoolSource | SessionUsageReporter;
  /** Where enabled upstreams come from. @default the registry's TypeORM `Gateway` repository */
  upstreamDirectory?: UpstreamDirectory;
  /** Redis key prefix; may be a cluster hash tag such as `{mcpgateway}`. @default 'mcpgateway' */
  keyPrefix?: string;
  /** Share of servers that may be hot. @default 0.2 */
  hotRatio?: number;
  /** A cold server is polled every `coldMultiplier × intervalSeconds`. @default 3 */
  coldMultiplier?: number;
  /**
   * The hot cap is `max(minHot, floor(hotRatio × N))`, never more than the eligible upstreams.
   * @default 0 (the seed's rule)
   */
  minHot?: number;
  /**
   * Spread of each upstream's poll interval for claim rounds (`PollGate.claimDue`): a stable
   * per-upstream factor within ±pollJitter. @default 0
   */
  pollJitter?: number;
  /** This worker's token in the leader lock. @default host, pid and random bits */
  instanceId?: string;
  /** Wait after a failed cycle, in seconds. @default min(30, intervalSeconds) */
  errorBackoffSeconds?: number;
  /**
   * Bound of each of the module's shutdown steps, in ms: stopping the loop (the cycle in flight
   * gets most of it) and releasing the leader lock; later, closing its Redis connections. A
   * step past it is left behind with one warning. @default 5000
   */
  shutdownTimeoutMs?: number;
  /** Time source. @default the system clock */
  clock?: Clock;
}

/** The options after validation, with every default filled in. */
export interface ClassificationConfig {
  enabled: boolean;
  intervalSeconds: number;
  redis?: Redis;
  sessionPool: SessionPoolSource | SessionUsageReporter;
  upstreamDirectory?: UpstreamDirectory;
  keyPrefix: string;
  hotRatio: number;
  coldMultiplier: number;
  minHot: number;
  pollJitter: number;
  instanceId: string;
  errorBackoffSeconds: number;
  shutdownTimeoutMs: number;
  clock: Clock;
}

const hasMethod = (name: string) => (v: unknown) =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[name] === 'function';

const schema = z.object({
  enabled: z.boolean({ message: 'enabled must be true or false' }),
  intervalSeconds: z.number().finite().positive('intervalSeconds must be a positive number of seconds'),
  redis: z.custom<Redis>(hasMethod('duplicate'), 'redis must be an ioredis client').optional(),
  sessionPool: z.custom<SessionPoolSource | SessionUsageReporter>(
    (v) => hasMethod('snapshot')(v) || hasMethod('usage')(v),
    'sessionPool must have a usage() or a snapshot() method',
  ),
  upstreamDirectory: z
    .custom<UpstreamDirectory>(hasMethod('listEnabled'), 'upstreamDirectory must have a listEnabled() method')
    .optional(),
  keyPrefix: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\s]+$/, 'keyPrefix must not contain spaces')
    .default(DEFAULT_KEY_PREFIX),
  hotRatio: z.number().min(0).max(1).default(DEFAULT_HOT_RATIO),
  coldMultiplier: z.number().finite().min(1, 'coldMultiplier must be at least 1').default(3),
  minHot: z.number().int('minHot must be a whole number').min(0, 'minHot must be at least 0').default(0),
  pollJitter: z.number().min(0, 'pollJitter must be between 0 and 0.5').max(0.5, 'pollJitter must be between 0 and 0.5').default(0),
  instanceId: z.string().min(1).max(200).optional(),
  errorBackoffSeconds: z.number().finite().positive().optional(),
  shutdownTimeoutMs: z
    .number()
    .finite()
    .min(0, 'shutdownTimeoutMs must be a number of milliseconds, 0 or more')
    .default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
  clock: z.custom<Clock>(hasMethod('now'), 'clock must have a now() method').optional(),
});

export class ClassificationOptionsError extends Error {
  override readonly name = 'ClassificationOptionsError';
}

/** Validates the module options once, at start-up, with one message naming every problem. */
export function resolveClassificationConfig(options: ClassificationModuleOptions): ClassificationConfig {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new ClassificationOptionsError(messages.invalidOptions(problems));
  }
  const o = parsed.data;
  return {
    enabled: o.enabled,
    intervalSeconds: o.intervalSeconds,
    redis: o.redis,
    sessionPool: o.sessionPool,
    upstreamDirectory: o.upstreamDirectory,
    keyPrefix: o.keyPrefix,
    hotRatio: o.hotRatio,
    coldMultiplier: o.coldMultiplier,
    minHot: o.minHot,
    pollJitter: o.pollJitter,
    instanceId: o.instanceId ?? createInstanceId(),
    errorBackoffSeconds: o.errorBackoffSeconds ?? Math.min(30, o.intervalSeconds),
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    clock: o.clock ?? systemClock,
  };
}

/** A Redis TTL of `multiple` × `intervalSeconds`, in the whole seconds `SET … EX` takes. */
export const ttlSeconds = (intervalSeconds: number, multiple: number): number =>
  Math.max(1, Math.ceil(intervalSeconds * multiple));
/** Lock TTL: 3 × interval, the seed's margin for a cycle plus its sleep. */
export const leaderTtlSeconds = (c: ClassificationConfig): number => ttlSeconds(c.intervalSeconds, 3);
/** Usage summary TTL: 2 × interval, so a dead worker's usage stops counting. */
export const usageTtlSeconds = (c: ClassificationConfig): number => ttlSeconds(c.intervalSeconds, 2);
/** Published classification TTL: 2 × interval, so a dead leader's result disappears. */
export const classificationTtlSeconds = (c: ClassificationConfig): number => ttlSeconds(c.intervalSeconds, 2);
