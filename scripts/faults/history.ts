/** What the observer and the harness record, each with the wall-clock time (ms) it happened. */
export type FaultEvent =
  /** Something the harness did to the system (a signal, a proxy mode, a Redis command). */
  | { kind: 'fault'; at: number; action: string; worker?: string }
  | { kind: 'signal'; at: number; worker: string; signal: NodeJS.Signals }
  | { kind: 'exit'; at: number; worker: string; code: number | null; signal: string | null }
  /** One GET and PTTL of the leader key; value null when absent, error when Redis did not answer. */
  | { kind: 'lock'; at: number; value: string | null; pttl: number | null; error?: string }
  | {
      kind: 'classification';
      at: number;
      worker: string;
      ms: number;
      status: number | null;
      leader?: boolean;
      instanceId?: string;
      /** Publish time of the metadata the worker serves, epoch ms; null when none is published. */
      metadataAt?: number | null;
    }
  | { kind: 'health'; at: number; worker: string; path: string; ms: number; status: number | null }
  /** tools/list through the worker's /mcp: how many tools it served, null when it failed. */
  | { kind: 'catalog'; at: number; worker: string; ms: number; tools: number | null }
  /** One MONITOR line: Redis's own timestamp (ms), the command and its client (`lua` inside scripts). */
  | { kind: 'monitor'; at: number; args: string[]; source: string }
  /** An upstream answered polls of this type since the previous sample (count added). */
  | { kind: 'poll'; at: number; upstream: string; pollType: 'health' | 'tool_discovery'; count: number }
  | { kind: 'rss'; at: number; worker: string; kb: number }
  /** Sessions open on the sample upstreams (summed), as the upstreams count them. */
  | { kind: 'sessions'; at: number; open: number };

export type EventKind = FaultEvent['kind'];
export type EventOf<K extends EventKind> = Extract<FaultEvent, { kind: K }>;

/** The run's history: append-only while it runs, read by the checkers afterwards. */
export class History {
  private readonly events: FaultEvent[] = [];

  add(event: FaultEvent): void {
    this.events.push(event);
  }

  /** Events of one kind in time order (samples may be recorded when they finish, not when they start). */
  of<K extends EventKind>(kind: K): EventOf<K>[] {
    return this.events.filter((e): e is EventOf<K> => e.kind === kind).sort((a, b) => a.at - b.at);
  }

  all(): readonly FaultEvent[] {
    return this.events;
  }
}
