import Redis from 'ioredis';
import { classificationKeys } from '@app/classification';
import type { Cluster } from './cluster';
import type { History } from './history';
import { mcpRequest, rpcResult } from './mcp-request';
import { MonitorFeed } from './monitor-feed';
import { residentKb } from './process-memory';
import { SamplingLoop } from './sampling-loop';
import type { FaultWorker } from './worker';

export const SAMPLE_PERIOD_MS = 100;
/** A sample that takes longer is recorded as unanswered (status null). */
const REQUEST_TIMEOUT_MS = 2_000;
const HEALTH_PATHS = ['/health', '/health/ready', '/health/live'];

/**
 * Samples the cluster every 100 ms into the history: the leader lock, each worker's /health
 * (and /health/ready, /health/live where they exist) and /classification, the catalog through
 * /mcp, the polls and sessions the upstreams saw, each worker's RSS, and Redis MONITOR.
 * Every answer is searched for the canary as it arrives.
 */
export class Observer {
  private readonly loops: SamplingLoop[] = [];
  private readonly monitor: MonitorFeed;
  private readonly redis: Redis;
  private readonly absentPaths = new Set<string>();
  private readonly pollCounts = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly history: History,
  ) {
    this.monitor = new MonitorFeed(cluster.redis.port, history, cluster.canary);
    this.redis = new Redis(cluster.redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 300,
      retryStrategy: () => 100,
    });
    this.redis.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.monitor.start();
    this.countPolls(false);
    this.loops.push(new SamplingLoop(SAMPLE_PERIOD_MS, () => this.sampleLock()));
    this.loops.push(new SamplingLoop(SAMPLE_PERIOD_MS, async () => this.countPolls(true)));
    this.loops.push(new SamplingLoop(500, () => this.sampleMemory()));
    for (const worker of this.cluster.workers) {
      this.loops.push(new SamplingLoop(SAMPLE_PERIOD_MS, () => this.sampleClassification(worker)));
      for (const path of HEALTH_PATHS) {
        this.loops.push(new SamplingLoop(SAMPLE_PERIOD_MS, () => this.sampleHealth(worker, path)));
      }
      this.loops.push(new SamplingLoop(500, () => this.sampleCatalog(worker)));
    }
    for (const loop of this.loops) loop.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
    this.loops.length = 0;
    this.monitor.stop();
    this.redis.disconnect();
  }

  private async sampleLock(): Promise<void> {
    const key = classificationKeys().leader;
    const at = Date.now();
    try {
      const [value, pttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      this.history.add({ kind: 'lock', at, value, pttl });
    } catch (error) {
      this.history.add({ kind: 'lock', at, value: null, pttl: null, error: String(error) });
    }
  }

  private async sampleClassification(worker: FaultWorker): Promise<void> {
    if (!worker.serving) return;
    const at = Date.now();
    const answer = await this.get(worker, '/classification', true);
    const ms = Date.now() - at;
    if (answer === null) {
      this.history.add({ kind: 'classification', at, worker: worker.label, ms, status: null });
      return;
    }
    this.cluster.canary.scan(`${worker.label} GET /classification`, answer.text);
    const body = parse(answer.text) as {
      leader?: boolean;
      instanceId?: string;
      metadata?: { timestamp?: string } | null;
    };
    const stamp = body?.metadata?.timestamp;
    this.history.add({
      kind: 'classification',
      at,
      worker: worker.label,
      ms,
      status: answer.status,
      leader: body?.leader,
      instanceId: body?.instanceId,
      metadataAt: typeof stamp === 'string' ? Date.parse(stamp) : null,
    });
  }

  private async sampleHealth(worker: FaultWorker, path: string): Promise<void> {
    if (!worker.serving || this.absentPaths.has(path)) return;
    const at = Date.now();
    const answer = await this.get(worker, path, false);
    if (answer?.status === 404) {
      this.absentPaths.add(path);
      return;
    }
    if (answer) this.cluster.canary.scan(`${worker.label} GET ${path}`, answer.text);
    this.history.add({
      kind: 'health',
      at,
      worker: worker.label,
      path,
      ms: Date.now() - at,
      status: answer?.status ?? null,
    });
  }

  private async sampleCatalog(worker: FaultWorker): Promise<void> {
    if (!worker.serving) return;
    const at = Date.now();
    let tools: number | null = null;
    try {
      const answer = await mcpRequest(worker.baseUrl, 'tools/list', {}, { timeoutMs: REQUEST_TIMEOUT_MS });
      this.cluster.canary.scan(`${worker.label} /mcp tools/list`, answer.text);
      const list = rpcResult(answer.text)?.['tools'];
      tools = answer.status === 200 && Array.isArray(list) ? list.length : null;
    } catch {
      tools = null;
    }
    this.history.add({ kind: 'catalog', at, worker: worker.label, ms: Date.now() - at, tools });
  }

  /** Polls answered by each upstream since the last look: MCP `ping` is a health check, `tools/list` a discovery. */
  private countPolls(record: boolean): void {
    const at = Date.now();
    let open = 0;
    for (const upstream of this.cluster.upstreams) {
      const stats = upstream.server.stats();
      open += stats.openSessions;
      for (const [pollType, method] of [
        ['health', 'ping'],
        ['tool_discovery', 'tools/list'],
      ] as const) {
        const key = `${upstream.name}/${pollType}`;
        const total = stats.methods[method] ?? 0;
        const added = total - (this.pollCounts.get(key) ?? 0);
        this.pollCounts.set(key, total);
        if (record && added > 0)
          this.history.add({ kind: 'poll', at, upstream: upstream.name, pollType, count: added });
      }
    }
    if (record) this.history.add({ kind: 'sessions', at, open });
  }

  private async sampleMemory(): Promise<void> {
    for (const worker of this.cluster.workers) {
      if (!worker.alive) continue;
      const kb = await residentKb(worker.pid);
      if (kb !== null) this.history.add({ kind: 'rss', at: Date.now(), worker: worker.label, kb });
    }
  }

  private async get(
    worker: FaultWorker,
    path: string,
    admin: boolean,
  ): Promise<{ status: number; text: string } | null> {
    try {
      const res = await fetch(`${worker.baseUrl}${path}`, {
        headers: admin ? { authorization: `Bearer ${this.cluster.adminToken}` } : {},
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: res.status, text: await res.text() };
    } catch {
      return null;
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
