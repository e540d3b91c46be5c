import { escapeNonPrintable, printableProblem } from '@app/common';
import { z } from 'zod';
import { stdioServersProblem } from '../mcp/stdio-servers';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'expected true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const seconds = (fallback: number, min = 1) => z.coerce.number().finite().min(min).default(fallback);
const count = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

const databaseUrl = z
  .string()
  .trim()
  .refine((v) => /^(postgres(ql)?:\/\/|sqlite:)/.test(v), {
    message: 'expected postgres://… or sqlite:<file path>',
  });

const redisUrl = z
  .string()
  .trim()
  .refine((v) => /^rediss?:\/\//.test(v), { message: 'expected redis://… or rediss://…' });

/** A name that goes into log lines (and Redis): printable characters only, the offending one named as U+XXXX. */
const printableName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((value, ctx) => {
    const problem = printableProblem(value);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** The gateway's environment, validated once at start-up. Names follow the seed's gateway. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4444),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_URL: databaseUrl.default('sqlite:./data/gateway.sqlite'),
  DATABASE_TIMEOUT_MS: count(5_000, 100),
  DATABASE_POOL_MAX: count(10),
  DATABASE_MAX_PENDING: count(100),
  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z.string().trim().min(1).max(64).default('mcpgateway'),
  ADMIN_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  INSTANCE_ID: printableName.optional(),
  HOT_COLD_CLASSIFICATION_ENABLED: bool.default('true'),
  GATEWAY_AUTO_REFRESH_INTERVAL: seconds(300),
  HOT_SERVER_RATIO: z.coerce.number().min(0).max(1).default(0.2),
  COLD_INTERVAL_MULTIPLIER: z.coerce.number().finite().min(1).default(3),
  HOT_SERVER_MIN: z.coerce.number().int().min(0).default(1),
  POLL_JITTER: z.coerce.number().min(0).max(0.5).default(0.1),
  AUTO_REFRESH_SERVERS: bool.default('true'),
  HEALTH_CHECK_INTERVAL: seconds(60),
  POLL_CONCURRENCY: count(8),
  UPSTREAM_TIMEOUT_MS: count(10_000, 100),
  SESSION_POOL_MAX_PER_KEY: count(4),
  SESSION_POOL_MAX_TOTAL: count(1000),
  SESSION_IDLE_TTL: seconds(300),
  SESSION_MAX_AGE: seconds(3600),
  UPSTREAM_BLOCK_PRIVATE: bool.default('false'),
  SHUTDOWN_GRACE_MS: count(5_000, 0),
  // The MCP endpoints (/mcp and /servers/<name>/mcp).
  MCP_SESSIONS: z.enum(['stateful', 'stateless']).default('stateful'),
  MCP_SESSION_IDLE_TTL: seconds(1800),
  MCP_MAX_CLIENT_SESSIONS: count(1000),
  MCP_CALL_MAX_MS: count(300_000, 1_000),
  SESSION_MAX_CONCURRENT: count(32),
  MCP_AUTH_TOKENS: z.string().trim().optional(),
  MCP_JWT_SECRET: z.string().trim().min(32, 'must be at least 32 characters').optional(),
  MCP_JWKS_URL: z.string().trim().url().optional(),
  MCP_JWT_ISSUER: z.string().trim().min(1).optional(),
  MCP_JWT_AUDIENCE: z.string().trim().min(1).optional(),
  MCP_AUTH_DISABLED: bool.default('false'),
  MCP_ALLOWED_HOSTS: z.string().trim().optional(),
  MCP_ALLOWED_ORIGINS: z.string().trim().optional(),
  STDIO_SERVERS: z
    .string()
    .trim()
    .superRefine((raw, ctx) => {
      const problem = stdioServersProblem(raw);
      if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    })
    .optional(),
  UPSTREAM_DOWN_AFTER: count(3),
});

export type Env = z.infer<typeof envSchema>;

/** Typed, validated configuration of the gateway app. */
export interface AppConfig {
  port: number;
  host: string;
  /**
   * The registry database, with its limits (absent ones take the registry's defaults):
   * `timeoutMs` bounds every wait on it (PostgreSQL connect, query and statement timeouts;
   * SQLite's busy timeout), `poolMax` its PostgreSQL connections, `maxPending` the registry
   * operations a worker lets run or wait at once.
   */
  database: ({ type: 'sqlite'; path: string } | { type: 'postgres'; url: string }) & {
    timeoutMs?: number;
    poolMax?: number;
    maxPending?: number;
  };
  redisUrl?: string;
  redisKeyPrefix: string;
  /** Undefined when the operator set none; the app then generates one at start. */
  adminToken?: string;
  instanceId?: string;
  classification: {
    enabled: boolean;
    intervalSeconds: number;
    hotRatio: number;
    coldMultiplier: number;
    /** The hot cap is at least this many upstreams (the busiest of a handful stays hot). */
    minHot: number;
    /** Each upstream's poll interval is stretched by a stable factor within ±pollJitter. */
    pollJitter: number;
  };
  autoRefreshServers: boolean;
  healthCheckIntervalSeconds: number;
  pollConcurrency: number;
  upstreamTimeoutMs: number;
  /** `maxTotal` caps the sessions of every client identity together (memory stays bounded). */
  sessionPool: { maxPerKey: number; maxTotal: number; idleTtlSeconds: number; maxAgeSeconds: number };
  upstreamBlockPrivate: boolean;
  shutdownGraceMs: number;
  /** The MCP endpoints: client sessions, call limits, client authentication. */
  mcp: McpEndpointConfig;
  /** Consecutive failed health checks before an upstream counts as down (one success brings it back). */
  upstreamDownAfter: number;
}

export interface McpEndpointConfig {
  /**
   * `stateful`: an initialize opens a client session (Mcp-Session-Id, GET stream, DELETE); a
   * request without a session id is still answered statelessly. `stateless`: every POST alone.
   */
  sessions: 'stateful' | 'stateless';
  sessionIdleTtlSeconds: number;
  maxClientSessions: number;
  /** Longest a forwarded call may run, whatever the client allows (progress resets the idle timeout, not this). */
  callMaxMs: number;
  /** Requests in flight at once on one upstream session before the pool opens another. */
  maxConcurrentPerSession: number;
  /** Raw client-auth settings; the auth module parses and checks them. */
  auth: {
    tokens?: string;
    jwtSecret?: string;
    jwksUrl?: string;
    jwtIssuer?: string;
    jwtAudience?: string;
    disabled: boolean;
  };
  /** Comma-separated lists as given; undefined means the defaults (loopback names and HOST). */
  allowedHosts?: string;
  allowedOrigins?: string;
  /** Raw STDIO_SERVERS (JSON); the stdio module parses and checks it. */
  stdioServers?: string;
}

const SECRET_VARS = new Set(['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'MCP_AUTH_TOKENS', 'MCP_JWT_SECRET', 'STDIO_SERVERS']);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming every bad variable (secret values withheld). */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  // Empty strings mean "unset", as in most shells' `VAR=` usage.
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = SECRET_VARS.has(name) ? '' : ` (got ${escapeNonPrintable(JSON.stringify(present[name]))})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return toAppConfig(parsed.data);
}

function toAppConfig(e: Env): AppConfig {
  return {
    port: e.PORT,
    host: e.HOST,
    database: {
      ...(e.DATABASE_URL.startsWith('sqlite:')
        ? { type: 'sqlite' as const, path: e.DATABASE_URL.slice('sqlite:'.length) || './data/gateway.sqlite' }
        : { type: 'postgres' as const, url: e.DATABASE_URL }),
      timeoutMs: e.DATABASE_TIMEOUT_MS,
      poolMax: e.DATABASE_POOL_MAX,
      maxPending: e.DATABASE_MAX_PENDING,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    adminToken: e.ADMIN_TOKEN,
    instanceId: e.INSTANCE_ID,
    classification: {
      enabled: e.HOT_COLD_CLASSIFICATION_ENABLED,
      intervalSeconds: e.GATEWAY_AUTO_REFRESH_INTERVAL,
      hotRatio: e.HOT_SERVER_RATIO,
      coldMultiplier: e.COLD_INTERVAL_MULTIPLIER,
      minHot: e.HOT_SERVER_MIN,
      pollJitter: e.POLL_JITTER,
    },
    autoRefreshServers: e.AUTO_REFRESH_SERVERS,
    healthCheckIntervalSeconds: e.HEALTH_CHECK_INTERVAL,
    pollConcurrency: e.POLL_CONCURRENCY,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    sessionPool: {
      maxPerKey: e.SESSION_POOL_MAX_PER_KEY,
      maxTotal: e.SESSION_POOL_MAX_TOTAL,
      idleTtlSeconds: e.SESSION_IDLE_TTL,
      maxAgeSeconds: e.SESSION_MAX_AGE,
    },
    upstreamBlockPrivate: e.UPSTREAM_BLOCK_PRIVATE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    mcp: {
      sessions: e.MCP_SESSIONS,
      sessionIdleTtlSeconds: e.MCP_SESSION_IDLE_TTL,
      maxClientSessions: e.MCP_MAX_CLIENT_SESSIONS,
      callMaxMs: e.MCP_CALL_MAX_MS,
      maxConcurrentPerSession: e.SESSION_MAX_CONCURRENT,
      auth: {
        tokens: e.MCP_AUTH_TOKENS,
        jwtSecret: e.MCP_JWT_SECRET,
        jwksUrl: e.MCP_JWKS_URL,
        jwtIssuer: e.MCP_JWT_ISSUER,
        jwtAudience: e.MCP_JWT_AUDIENCE,
        disabled: e.MCP_AUTH_DISABLED,
      },
      allowedHosts: e.MCP_ALLOWED_HOSTS,
      allowedOrigins: e.MCP_ALLOWED_ORIGINS,
      stdioServers: e.STDIO_SERVERS,
    },
    upstreamDownAfter: e.UPSTREAM_DOWN_AFTER,
  };
}
