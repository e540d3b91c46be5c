import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { DeadlineExceededError, withTimeout } from '@app/common';

/** A health check waits this long for the database, short of an orchestrator's usual 1 s probe timeout. */
export const DATABASE_PING_TIMEOUT_MS = 800;

export type DatabasePing = { ok: true; latencyMs: number } | { ok: false; message: string };

/**
 * The registry database's reachability: one `SELECT 1` at a time, shared by every check that
 * asks meanwhile, so health probes during an outage never pile up queries on a hung database.
 * Messages name no host, port or driver text: /health is open to anyone.
 */
@Injectable()
export class DatabaseHealthIndicator {
  private inFlight: Promise<DatabasePing> | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  ping(): Promise<DatabasePing> {
    this.inFlight ??= this.pingOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const ping = await this.ping();
    return ping.ok ? indicator.up({ latencyMs: ping.latencyMs }) : indicator.down({ message: ping.message });
  }

  private async pingOnce(): Promise<DatabasePing> {
    const started = Date.now();
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), DATABASE_PING_TIMEOUT_MS, 'SELECT 1');
      return { ok: true, latencyMs: Date.now() - started };
    } catch (error) {
      const message =
        error instanceof DeadlineExceededError
          ? `unreachable: no answer within ${DATABASE_PING_TIMEOUT_MS} ms`
          : 'unreachable: the query failed';
      return { ok: false, message };
    }
  }
}
