import { errorMessage } from '@app/common';
import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { GATEWAY_LOOP_GUARD, type GatewayLoopGuard } from '../loop/gateway-loop.guard';
import type { CallLimits } from './call-forwarding';
import { createFederatedServer } from './federation/federated-server';
import { FederatedTable } from './federation/federated-table';
import { registryUnavailable, REGISTRY_UNAVAILABLE } from './federation/federation-errors';
import { ListChangedNotifier } from './federation/list-changed.notifier';
import { UpstreamListChanges } from './federation/upstream-list-changes';
import { CALL_LIMITS } from './mcp-options';
import type { EndpointContext, McpEndpoint } from './sessions/mcp-endpoint';
import { McpSessionPool } from './session-pool';
import { UPSTREAM_CATALOG, type CatalogUpstream, type UpstreamCatalog } from './upstream-catalog';

export { FEDERATION_SERVER_INFO } from './federation/federated-server';
export { REGISTRY_UNAVAILABLE } from './federation/federation-errors';

/** How long one read of the upstream catalog serves /mcp requests. */
export const TOOL_TABLE_TTL_MS = 1000;

/**
 * The gateway's own MCP server: tools, resources, prompts, completions and logging of every
 * active upstream under one endpoint (names and URIs scoped by upstream, see FederatedTable).
 *
 * `createServer` builds the server of one stateful client session (its upstream sessions are
 * its own and relay back to it) or of one stateless request (the session host serves both).
 * While stateful sessions are open the catalog is re-read every TOOL_TABLE_TTL_MS so that they
 * are told when a federated list changes.
 */
@Injectable()
export class FederationService implements McpEndpoint, OnModuleDestroy {
  private readonly logger = new Logger(FederationService.name);
  private cachedTable: { at: number; revision: number; table: Promise<FederatedTable> } | null = null;
  /** The last table built, with the catalog answer it was built from (reused while that stands). */
  private built: { upstreams: CatalogUpstream[]; table: FederatedTable } | null = null;
  private readonly notifier = new ListChangedNotifier();
  private watch: NodeJS.Timeout | null = null;

  constructor(
    @Inject(UPSTREAM_CATALOG) private readonly catalog: UpstreamCatalog,
    private readonly pool: McpSessionPool,
    @Inject(CALL_LIMITS) private readonly limits: CallLimits,
    private readonly listChanges: UpstreamListChanges,
    @Optional() @Inject(GATEWAY_LOOP_GUARD) private readonly loop?: GatewayLoopGuard,
  ) {}

  async createServer(ctx: EndpointContext): Promise<Server> {
    // The capabilities follow the catalog as it is now; a registry outage leaves tools only.
    const table = await this.catalogTable('initialize').catch(() => undefined);
    const server = createFederatedServer(
      {
        table: (method, waitForRead) => this.catalogTable(method, waitForRead),
        pool: this.pool,
        limits: this.limits,
        logger: this.logger,
        listChanges: this.listChanges,
        hidden: this.loop ? (upstreamId) => this.loop?.excludes(upstreamId) ?? false : undefined,
      },
      ctx,
      table,
    );
    if (ctx.sessionId !== undefined) {
      this.notifier.track(server);
      this.startWatching();
    }
    return server;
  }

  onModuleDestroy(): void {
    this.stopWatching();
    this.notifier.clear();
  }

  /**
   * The federated table, or, when the catalog cannot be read (the registry's database is down
   * and no copy is held), a JSON-RPC error whose message is exactly REGISTRY_UNAVAILABLE: the
   * catalog's own error text (driver messages, addresses) is logged, never sent.
   */
  private async catalogTable(method: string, waitForRead = false): Promise<FederatedTable> {
    try {
      return await this.table(waitForRead);
    } catch (error) {
      this.logger.debug(`${method} answered "${REGISTRY_UNAVAILABLE}": ${reasonOf(error)}`);
      throw registryUnavailable();
    }
  }

  /**
   * The catalog (every enabled upstream with what discovery stored of it) is read at most once
   * per TOOL_TABLE_TTL_MS and shared by the calls in between, so call traffic does not turn
   * into database traffic. This worker's own registry changes show at once; other workers'
   * within that time. `waitForRead` skips the cache and waits for the catalog's read.
   */
  private table(waitForRead = false): Promise<FederatedTable> {
    const now = Date.now();
    const revision = this.catalog.revision?.() ?? 0;
    const cached = this.cachedTable;
    if (!waitForRead && cached && cached.revision === revision && now - cached.at < TOOL_TABLE_TTL_MS) {
      return cached.table;
    }
    const options = waitForRead ? { waitForRead } : undefined;
    const read = this.catalog.listEnabled ? this.catalog.listEnabled(options) : this.catalog.listActive(options);
    const table = read.then((upstreams) => this.tableOf(upstreams));
    const entry = { at: now, revision, table };
    this.cachedTable = entry;
    // A failed read is not cached: the next request asks the catalog again.
    table.catch(() => {
      if (this.cachedTable === entry) this.cachedTable = null;
    });
    return table;
  }

  private tableOf(upstreams: CatalogUpstream[]): FederatedTable {
    if (this.built?.upstreams === upstreams) return this.built.table;
    const table = FederatedTable.build(upstreams);
    this.built = { upstreams, table };
    this.notifier.tableBuilt(table);
    return table;
  }

  /**
   * Re-reads the catalog while stateful sessions are open, so list changes reach them unasked:
   * a timeout re-armed after each read, so a slow catalog never stacks reads.
   */
  private startWatching(): void {
    if (this.watch !== null) return;
    const tick = (): void => {
      if (this.notifier.size === 0) {
        this.watch = null;
        return;
      }
      void this.table()
        .catch(() => undefined)
        .then(() => {
          if (this.watch === null) return;
          this.watch = setTimeout(tick, TOOL_TABLE_TTL_MS);
          this.watch.unref();
        });
    };
    this.watch = setTimeout(tick, TOOL_TABLE_TTL_MS);
    this.watch.unref();
  }

  private stopWatching(): void {
    if (this.watch !== null) clearTimeout(this.watch);
    this.watch = null;
  }
}

function reasonOf(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : errorMessage(error);
}
