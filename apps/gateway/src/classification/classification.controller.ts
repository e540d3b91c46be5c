import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import {
  CLASSIFICATION_CONFIG,
  ClassificationScheduler,
  PollGate,
  type ClassificationConfig,
  type ServerClass,
} from '@app/classification';
import { UpstreamsService } from '@app/registry';
import { AdminTokenGuard } from '../admin/admin-token.guard';
import { PollStats } from './poll-stats';

interface GatewayView {
  id: string;
  name: string;
  enabled: boolean;
  /** ISO time of the next due tool discovery; null when due now (or never polled). */
  nextDiscoveryAt: string | null;
}

interface ServerView {
  url: string;
  class: ServerClass | null;
  gateways: GatewayView[];
}

/** The classification every worker follows now, by server and gateway, and the polls it saved. */
@Controller('classification')
@UseGuards(AdminTokenGuard)
export class ClassificationController {
  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    private readonly scheduler: ClassificationScheduler,
    private readonly gate: PollGate,
    private readonly gateways: UpstreamsService,
    private readonly stats: PollStats,
  ) {}

  @Get()
  async current() {
    const [published, gateways] = await Promise.all([this.gate.readPublished(), this.gateways.list()]);
    const hot = new Set(published?.hot ?? []);
    const cold = new Set(published?.cold ?? []);
    // One store read per gateway, issued together rather than one after another.
    const dues = await Promise.all(
      gateways.map((g) => (g.enabled ? this.gate.nextDueAt(g.url, 'tool_discovery', g.id) : null)),
    );
    const byUrl = new Map<string, ServerView>();
    for (const [i, g] of gateways.entries()) {
      const server = byUrl.get(g.url) ?? {
        url: g.url,
        class: hot.has(g.url) ? 'hot' : cold.has(g.url) ? 'cold' : null,
        gateways: [],
      };
      const due = dues[i];
      server.gateways.push({
        id: g.id,
        name: g.name,
        enabled: g.enabled,
        nextDiscoveryAt: due === null ? null : new Date(due).toISOString(),
      });
      byUrl.set(g.url, server);
    }
    const status = this.scheduler.status();
    return {
      enabled: this.config.enabled,
      instanceId: status.instanceId,
      leader: status.leader,
      intervalSeconds: this.gate.intervalFor('hot'),
      coldIntervalSeconds: this.gate.intervalFor('cold'),
      metadata: published?.metadata
        ? { ...published.metadata, timestamp: new Date(published.metadata.timestamp).toISOString() }
        : null,
      hot: published?.hot ?? [],
      cold: published?.cold ?? [],
      servers: [...byUrl.values()],
      polls: this.stats.snapshot(),
    };
  }
}
