import type { SessionPoolMetrics } from './session-pool.types';

type Totals = SessionPoolMetrics['totals'];

/** What the pool did since start, for metrics and health output; counts only, no URLs or identities. */
export class SessionPoolTotals {
  private readonly totals: Totals = {
    opened: 0,
    openFailures: 0,
    closedIdle: 0,
    closedAge: 0,
    closedBroken: 0,
    closedForCapacity: 0,
    acquireTimeouts: 0,
  };

  record(event: keyof Totals): void {
    this.totals[event] += 1;
  }

  /** A session closed; closes at shutdown and at the end of a client session are not counted. */
  recordClose(reason: 'idle' | 'age' | 'broken' | 'shutdown' | 'capacity' | 'ended'): void {
    if (reason === 'idle') this.record('closedIdle');
    if (reason === 'age') this.record('closedAge');
    if (reason === 'broken') this.record('closedBroken');
    if (reason === 'capacity') this.record('closedForCapacity');
  }

  snapshot(): Totals {
    return { ...this.totals };
  }
}
