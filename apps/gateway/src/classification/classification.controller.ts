import { Controller, Get, Inject, Logger, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import {
  CLASSIFICATION_CONFIG,
  ClassificationScheduler,
  FleetUsage,
  mergeUsage,
  PollGate,
  type ClassificationConfig,
  type FleetUsageSnapshot,
  type ServerClass,
  type UpstreamUsage,
} from '@app/classification';
import { DeadlineExceededError, errorMessage, withTimeout } from '@app/common';
import { UpstreamsService, type UpstreamInfo, type UpstreamPin } from '@app/registry';
import { AdminTokenGuard } from '../admin/admin-token.guard';
import { StateChanges } from '../health/state-changes';
import { PollStats } from './poll-stats';

/** How long /classification waits for the registry before answering 503. */
export const REGISTRY_READ_TIMEOUT_MS = 1_000;

export const classificationViewMessages = {
  /** The whole of the 503's message: no driver text, no host. */
  unavailable: () => 'registry unavailable',
  registryDown: (cause: string) => `Registry unavailable (${cause}): /classification answers 503 until it is back`,
  registryBack: () => 'Registry reachable again: /classification answers again',
} as const;

interface GatewayView {
  id: string;
  name: string;
  enabled: boolean;
  /** Forced class, or null when usage decides. */
  pin: UpstreamPin | null;
  /** Own discovery interval in seconds, or null when its class decides. */
  discoveryIntervalSeconds: number | null;
  /** ISO time of the next due tool discovery; null when due now (or never polled). */
  nextDiscoveryAt: string | null;
}

/** The fleet's usage of one upstream, as the leader ranks it. */
interface UsageView {
  lastUsedAt: string | null;
  active: number;
  uses: number;
  /** Instance ids of the workers whose summaries mention it. */
  reportedBy: string[];
}

interface ServerView {
  url: string;
  class: ServerClass | null;
  usage: UsageView | null;
  gateways: GatewayView[];
}

interface WorkerView {
  instanceId: string;
  /** ISO time of its last usage summary. */
  reportedAt: string;
  ageSeconds: number;
  upstreams: number;
}

/**
 * The classification every worker follows now, by server and gateway: why each is hot (the merged
 * usage it was ranked on, its pin), when it is next due, the live workers, and the polls saved.
 */
@Controller('classification')
@UseGuards(AdminTokenGuard)
export class ClassificationController {
  private readonly logger = new Logger(ClassificationController.name);
  /** The registry as this endpoint last found it: an outage is logged once, and its end once. */
  private readonly registry = new StateChanges<'up' | 'down'>('up');

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    private readonly scheduler: ClassificationScheduler,
    private readonly gate: PollGate,
    private readonly fleetUsage: FleetUsage,
    private readonly gateways: UpstreamsService,
    private readonly stats: PollStats,
  ) {}

  @Get()
  async current() {
    const [published, gateways, fleet] = await Promise.all([
      this.gate.readPublished(),
      this.readRegistry(),
      this.readFleet(),
    ]);
    const hot = new Set(published?.hot ?? []);
    const cold = new Set(published?.cold ?? []);
    // One store read per gateway, issued together rather than one after another.
    const dues = await Promise.all(
      gateways.map((g) =>
        g.enabled
          ? this.gate.nextDueAt(g.url, 'tool_discovery', g.id, { intervalSeconds: g.discoveryIntervalSeconds })
          : null,
      ),
    );
    const byUrl = new Map<string, ServerView & { ids: string[] }>();
    for (const [i, g] of gateways.entries()) {
      const server = byUrl.get(g.url) ?? {
        url: g.url,
        class: hot.has(g.url) ? 'hot' : cold.has(g.url) ? 'cold' : null,
        usage: null,
        gateways: [],
        ids: [],
      };
      server.ids.push(g.id);
      server.gateways.push(gatewayView(g, dues[i]));
      byUrl.set(g.url, server);
    }
    const servers = [...byUrl.values()].map(({ ids, ...server }) => ({ ...server, usage: usageOf(ids, fleet) }));
    const status = this.scheduler.status();
    const now = Date.now();
    return {
      enabled: this.config.enabled,
      instanceId: status.instanceId,
      leader: status.leader,
      intervalSeconds: this.gate.intervalFor('hot'),
      coldIntervalSeconds: this.gate.intervalFor('cold'),
      hotRatio: this.config.hotRatio,
      minHot: this.config.minHot,
      pollJitter: this.config.pollJitter,
      metadata: published?.metadata
        ? { ...published.metadata, timestamp: new Date(published.metadata.timestamp).toISOString() }
        : null,
      hot: published?.hot ?? [],
      cold: published?.cold ?? [],
      servers,
      fleet: {
        available: fleet !== null,
        workers: (fleet?.summaries ?? []).map(
          (s): WorkerView => ({
            instanceId: s.instanceId,
            reportedAt: new Date(s.at).toISOString(),
            ageSeconds: Math.max(0, Math.round((now - s.at) / 1000)),
            upstreams: s.usage.size,
          }),
        ),
      },
      polls: this.stats.snapshot(),
    };
  }

  /**
   * Every registered upstream; a registry that fails or does not answer in time is a 503 with the
   * short message "registry unavailable" (never the driver's text), logged once per outage.
   */
  private async readRegistry(): Promise<UpstreamInfo[]> {
    let upstreams: UpstreamInfo[];
    try {
      upstreams = await withTimeout(this.gateways.list(), REGISTRY_READ_TIMEOUT_MS, 'registry read');
    } catch (error) {
      if (this.registry.record('registry', 'down') !== null) {
        const cause =
          error instanceof DeadlineExceededError ? `no answer within ${REGISTRY_READ_TIMEOUT_MS} ms` : 'the read failed';
        this.logger.warn(classificationViewMessages.registryDown(cause));
      }
      throw new ServiceUnavailableException(classificationViewMessages.unavailable());
    }
    if (this.registry.record('registry', 'up') !== null) this.logger.log(classificationViewMessages.registryBack());
    return upstreams;
  }

  /** The fleet's usage, or null (shown as unavailable) when the store cannot answer. */
  private async readFleet(): Promise<FleetUsageSnapshot | null> {
    if (!this.config.enabled) return null;
    try {
      return await this.fleetUsage.read();
    } catch (error) {
      this.logger.debug(`Fleet usage unavailable: ${errorMessage(error)}`);
      return null;
    }
  }
}

function gatewayView(g: UpstreamInfo, due: number | null): GatewayView {
  return {
    id: g.id,
    name: g.name,
    enabled: g.enabled,
    pin: g.pin,
    discoveryIntervalSeconds: g.discoveryIntervalSeconds,
    nextDiscoveryAt: due === null ? null : new Date(due).toISOString(),
  };
}

/** One server's usage over the ids of its gateways, merged as the leader merges it. */
function usageOf(ids: readonly string[], fleet: FleetUsageSnapshot | null): UsageView | null {
  if (!fleet) return null;
  const reportedBy = new Set<string>();
  const parts: Map<string, UpstreamUsage>[] = [];
  for (const summary of fleet.summaries) {
    for (const id of ids) {
      const usage = summary.usage.get(id);
      if (!usage) continue;
      reportedBy.add(summary.instanceId);
      parts.push(new Map([['server', usage]]));
    }
  }
  const merged = mergeUsage(parts).get('server');
  if (!merged) return null;
  return {
    lastUsedAt: merged.lastUsed > 0 ? new Date(merged.lastUsed).toISOString() : null,
    active: merged.active,
    uses: merged.uses,
    reportedBy: [...reportedBy].sort(),
  };
}
