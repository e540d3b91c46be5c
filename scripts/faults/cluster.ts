import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { TcpFaultProxy } from '../../libs/common/src/testing/tcp-fault-proxy';
import { PrivateRedis } from '../../libs/classification/test/private-redis';
import { AdminApi, type GatewayView } from '../../apps/gateway/test/support/admin-api';
import { createPostgresDatabase, type E2eDatabase } from '../../apps/gateway/test/support/e2e-stores';
import { UpstreamFleet, type CredentialCheckingProxy } from '../../apps/gateway/test/support/upstream-fleet';
import type { SampleServer } from '../../apps/gateway/test/support/sample-mcp-server';
import { Canary } from './canary';
import type { History } from './history';
import { FaultWorker } from './worker';

/** The timing every worker runs with; the checkers derive their bounds from it. */
export interface ClusterTiming {
  /** GATEWAY_AUTO_REFRESH_INTERVAL: classification cycle and hot poll interval. */
  intervalSeconds: number;
  healthIntervalSeconds: number;
  coldMultiplier: number;
  pollJitter: number;
  upstreamTimeoutMs: number;
  shutdownGraceMs: number;
  /** SESSION_POOL_MAX_TOTAL of each worker. */
  sessionPoolMaxTotal: number;
}

export const DEFAULT_TIMING: ClusterTiming = {
  intervalSeconds: 2,
  healthIntervalSeconds: 2,
  coldMultiplier: 3,
  pollJitter: 0.1,
  // Generous for loopback: a ping that times out on a busy machine marks the upstream unhealthy.
  upstreamTimeoutMs: 2000,
  shutdownGraceMs: 2000,
  // Per worker; three workers' pools plus their health and discovery sessions stay under the
  // fleet-wide cap the sessions-capped invariant checks.
  sessionPoolMaxTotal: 250,
};

/** Leader lock TTL: three intervals (libs/classification leaderTtlSeconds). */
export const lockTtlMs = (t: ClusterTiming): number => 3 * t.intervalSeconds * 1000;

export interface ClusterSpec {
  workers: number;
  timing: ClusterTiming;
  /** Workers that share one INSTANCE_ID (by index); others get their own. */
  sharedInstanceId?: readonly number[];
  /** Wall-clock offset in ms per worker index (0 when absent). */
  clockOffsetsMs?: readonly number[];
}

export interface Upstream {
  name: string;
  server: SampleServer;
  gateway: GatewayView;
}

const ADMIN_TOKEN = `faults-admin-${randomBytes(12).toString('hex')}`;
// Loaded by node itself (dist is plain JS), so the preload is JavaScript.
const CLOCK_PRELOAD = join(__dirname, 'clock-offset.preload.js');

/**
 * Everything one run touches, all on loopback and all its own: a redis-server, a PostgreSQL
 * database reached through a fault proxy, sample upstreams (one behind a credential check that
 * carries the canary), and N gateway workers built from dist/.
 */
export class Cluster {
  readonly workers: FaultWorker[] = [];
  readonly upstreams: Upstream[] = [];
  readonly canary = new Canary();
  readonly adminToken = ADMIN_TOKEN;
  private readonly fleet = new UpstreamFleet();
  private redisServer: PrivateRedis | null = null;
  private database: E2eDatabase | null = null;
  private proxy: TcpFaultProxy | null = null;
  private canaryGuardValue: CredentialCheckingProxy | null = null;

  constructor(
    readonly spec: ClusterSpec,
    private readonly history: History,
  ) {}

  get redis(): PrivateRedis {
    if (!this.redisServer) throw new Error('redis-server is not running');
    return this.redisServer;
  }

  get databaseProxy(): TcpFaultProxy {
    if (!this.proxy) throw new Error('database proxy is not running');
    return this.proxy;
  }

  /** The credential check in front of the canary upstream (it can refuse, echoing what it got). */
  get canaryGuard(): CredentialCheckingProxy {
    if (!this.canaryGuardValue) throw new Error('canary upstream is not running');
    return this.canaryGuardValue;
  }

  get timing(): ClusterTiming {
    return this.spec.timing;
  }

  admin(worker: FaultWorker = this.workers[0]): AdminApi {
    return new AdminApi(worker.baseUrl, ADMIN_TOKEN);
  }

  async start(): Promise<void> {
    this.redisServer = await PrivateRedis.start();
    this.database = await createPostgresDatabase();
    const direct = new URL(this.database.url);
    this.proxy = await TcpFaultProxy.start(direct.hostname, Number(direct.port || 5432));
    direct.host = `127.0.0.1:${this.proxy.port}`;
    const databaseUrl = direct.href;

    const servers = await this.fleet.startMany(['alpha', 'beta', 'gamma']);
    const vault = await this.fleet.start('vault');
    this.canaryGuardValue = await this.fleet.guard(vault, this.canary.credentials);
    const keyed = await this.fleet.start('keyed');
    const keyedProxy = await this.fleet.pathGuard(keyed, this.canary.pathKey);

    // All at once, as a fleet rolls out: the registry's migration lock lets one of them migrate.
    const started = await Promise.allSettled(
      Array.from({ length: this.spec.workers }, (_, i) => this.startWorker(i, databaseUrl)),
    );
    for (const outcome of started) if (outcome.status === 'fulfilled') this.workers.push(outcome.value);
    const failed = started.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;

    const admin = this.admin();
    for (const server of servers) {
      this.upstreams.push({ name: server.name, server, gateway: await admin.createGateway(server.name, server.url) });
    }
    const registered = await admin.request('POST', '/gateways', {
      name: 'vault',
      url: this.canary.urlFor(this.canaryGuardValue.urlWith(this.canary.credentials)),
    });
    this.canary.scan('admin answer POST /gateways', registered.text);
    if (registered.status !== 201) throw new Error(`registering the canary upstream: ${registered.status}`);
    this.upstreams.push({ name: 'vault', server: vault, gateway: registered.body as GatewayView });
    // The API key in the path, registered as a secret path: only a digest of it may show.
    const keyedRegistered = await admin.request('POST', '/gateways', {
      name: 'keyed',
      url: keyedProxy.urlWith(this.canary.pathKey),
      secretPath: true,
    });
    this.canary.scan('admin answer POST /gateways (secret path)', keyedRegistered.text);
    if (keyedRegistered.status !== 201)
      throw new Error(`registering the secret-path upstream: ${keyedRegistered.status}`);
    this.upstreams.push({ name: 'keyed', server: keyed, gateway: keyedRegistered.body as GatewayView });
  }

  private async startWorker(index: number, databaseUrl: string): Promise<FaultWorker> {
    const t = this.spec.timing;
    const shared = this.spec.sharedInstanceId?.includes(index) ?? false;
    const offset = this.spec.clockOffsetsMs?.[index] ?? 0;
    const env: Record<string, string> & { DATABASE_URL: string } = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: this.redis.url,
      ADMIN_TOKEN,
      INSTANCE_ID: shared ? 'faults-shared' : `faults-w${index}`,
      GATEWAY_AUTO_REFRESH_INTERVAL: String(t.intervalSeconds),
      HEALTH_CHECK_INTERVAL: String(t.healthIntervalSeconds),
      COLD_INTERVAL_MULTIPLIER: String(t.coldMultiplier),
      POLL_JITTER: String(t.pollJitter),
      UPSTREAM_TIMEOUT_MS: String(t.upstreamTimeoutMs),
      SHUTDOWN_GRACE_MS: String(t.shutdownGraceMs),
      SESSION_POOL_MAX_TOTAL: String(t.sessionPoolMaxTotal),
      // Everything the gateway can say, so a credential in any log line shows.
      LOG_LEVEL: 'verbose',
    };
    if (offset !== 0) {
      env['NODE_OPTIONS'] = `--require ${CLOCK_PRELOAD}`;
      env['FAULT_CLOCK_OFFSET_MS'] = String(offset);
    }
    return FaultWorker.start(`w${index}`, env, this.history);
  }

  /** Undoes every fault and stops everything, whatever state a scenario left behind. */
  async stop(): Promise<void> {
    this.redisServer?.thaw();
    this.proxy?.setMode('pass');
    await Promise.all(this.workers.map((w) => w.destroy()));
    await this.fleet.closeAll().catch(() => undefined);
    await this.redisServer?.down().catch(() => undefined);
    await this.proxy?.close().catch(() => undefined);
    await this.database?.drop().catch(() => undefined);
  }
}
