import { Injectable } from '@nestjs/common';
import type { PollType } from '@app/classification';

export interface PollCounters {
  performed: number;
  skipped: number;
  failed: number;
}

/** What the pollers did since start: the polls the classification saved are the `skipped` ones. */
@Injectable()
export class PollStats {
  private readonly counters: Record<PollType, PollCounters> = {
    health: { performed: 0, skipped: 0, failed: 0 },
    tool_discovery: { performed: 0, skipped: 0, failed: 0 },
  };

  record(type: PollType, outcome: keyof PollCounters, count = 1): void {
    this.counters[type][outcome] += count;
  }

  snapshot(): Record<PollType, PollCounters> {
    return { health: { ...this.counters.health }, tool_discovery: { ...this.counters.tool_discovery } };
  }
}
