import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { FederatedTable, ListKind } from './federated-table';

const NOTIFICATIONS: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};
const KINDS: ListKind[] = ['tools', 'resources', 'prompts'];
/** A server never connected this long after it was built is taken for abandoned. */
const CONNECT_GRACE_MS = 60_000;

interface Tracked {
  server: Server;
  since: number;
  connected: boolean;
}

/**
 * The open stateful sessions' servers, told `notifications/<list>/list_changed` when a newly
 * built table lists something else than the last one. A server is dropped once its transport
 * has closed (the session host owns the server's lifecycle; no hook of it is needed here).
 */
export class ListChangedNotifier {
  private readonly servers = new Set<Tracked>();
  private last: FederatedTable | undefined;

  get size(): number {
    this.prune();
    return this.servers.size;
  }

  track(server: Server): void {
    this.servers.add({ server, since: Date.now(), connected: false });
  }

  /** Compares `table` with the last one seen and notifies every open session of each list that changed. */
  tableBuilt(table: FederatedTable): void {
    const previous = this.last;
    this.last = table;
    if (previous === undefined || previous === table) return;
    const changed = KINDS.filter((kind) => previous.signature(kind) !== table.signature(kind));
    if (changed.length === 0) return;
    this.prune();
    for (const { server } of this.servers) {
      if (server.transport === undefined) continue;
      for (const kind of changed) {
        // A session not offered that list (no such capability) cannot be told: the SDK refuses.
        try {
          void server.notification({ method: NOTIFICATIONS[kind] }).catch(() => undefined);
        } catch {
          // same: not offered
        }
      }
    }
  }

  clear(): void {
    this.servers.clear();
  }

  private prune(): void {
    const now = Date.now();
    for (const tracked of this.servers) {
      if (tracked.server.transport !== undefined) tracked.connected = true;
      else if (tracked.connected || now - tracked.since > CONNECT_GRACE_MS) this.servers.delete(tracked);
    }
  }
}
