import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { errorMessage, escapeNonPrintable } from '@app/common';
import { UpstreamListChanges } from '../mcp';
import { ToolDiscoveryService } from './tool-discovery.service';

/** At most one refresh per upstream in this interval, however many sessions relay its list_changed. */
export const LIST_CHANGE_REFRESH_INTERVAL_MS = 5_000;

/**
 * Runs a discovery of an upstream that said one of its lists changed, so the stored catalog
 * (and every federated session's lists, through their list_changed) follows at once rather
 * than at the next poll. Throttled per upstream: a change that arrives while a refresh is due
 * waits for it, and one refresh answers every session that relayed it.
 */
@Injectable()
export class ListChangeRefresher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ListChangeRefresher.name);
  private readonly lastRun = new Map<string, number>();
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly changes: UpstreamListChanges,
    private readonly discovery: ToolDiscoveryService,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.changes.listen((id) => this.changed(id));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    for (const timer of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
  }

  private changed(upstreamId: string): void {
    if (this.scheduled.has(upstreamId)) return;
    const wait = Math.max(0, (this.lastRun.get(upstreamId) ?? 0) + LIST_CHANGE_REFRESH_INTERVAL_MS - Date.now());
    const timer = setTimeout(() => this.run(upstreamId), wait);
    timer.unref();
    this.scheduled.set(upstreamId, timer);
  }

  private run(upstreamId: string): void {
    this.scheduled.delete(upstreamId);
    this.lastRun.set(upstreamId, Date.now());
    if (this.lastRun.size > 10_000) this.lastRun.clear();
    this.discovery.refresh(upstreamId).catch((error: unknown) => {
      this.logger.warn(
        `Refresh after a list change of upstream ${upstreamId} failed: ${escapeNonPrintable(errorMessage(error))}`,
      );
    });
  }
}
