import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  PromptSchema,
  ResourceSchema,
  ResourceTemplateSchema,
  ToolSchema,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { withDeadline } from '@app/common';
import { UPSTREAM_CONTROL_OPTIONS, type UpstreamControlOptions } from './mcp-options';
import { UpstreamConnection, UpstreamConnector } from './upstream-connector';
import { listPageAsGiven } from './raw-list-page';
import { UpstreamError, toUpstreamError } from './upstream-error';
import type { UpstreamTarget } from '@app/registry';

const DEFAULT_MAX_PAGES = 100;

/** What one discovery found on an upstream; lists its capabilities do not announce are absent. */
export interface DiscoveredFeatures {
  capabilities: ServerCapabilities;
  tools: Tool[];
  resources?: Resource[];
  resourceTemplates?: ResourceTemplate[];
  prompts?: Prompt[];
}

/** Follows `nextCursor` of a list method to its last page, refusing a repeated cursor or more than `maxPages`. */
async function allPages<T>(
  method: string,
  maxPages: number,
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n += 1) {
    const result = await page(cursor);
    items.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === undefined) return items;
    if (seen.has(cursor)) throw new Error(`${method} returned a cursor it had already returned`);
    seen.add(cursor);
  }
  throw new Error(`${method} did not finish within ${maxPages} pages`);
}

export interface PingResult {
  latencyMs: number;
}

/** Per call: how long is left of the operation's deadline, and its abort signal. */
interface Budget {
  signal: AbortSignal;
  remainingMs(): number;
}

/**
 * The gateway's own calls to upstreams (health checks, tool discovery). Each one opens a
 * short-lived client outside the session pool, so polling never counts as usage, and closes it
 * afterwards. The whole operation runs under one deadline; failures are redacted UpstreamErrors.
 */
@Injectable()
export class UpstreamControlClient {
  constructor(
    @Inject(UPSTREAM_CONTROL_OPTIONS) private readonly options: UpstreamControlOptions,
    private readonly connector: UpstreamConnector,
  ) {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error(`Upstream control option timeoutMs must be a positive number (got ${options.timeoutMs})`);
    }
  }

  /** MCP `ping`; resolves with the round-trip time including connection set-up. */
  async ping(target: UpstreamTarget): Promise<PingResult> {
    const started = Date.now();
    await this.run(target, 'Health check', async (client, budget) => {
      await client.ping({ signal: budget.signal, timeout: budget.remainingMs() });
    });
    return { latencyMs: Date.now() - started };
  }

  /** Every tool of the upstream, following `nextCursor` until the last page. */
  listTools(target: UpstreamTarget): Promise<Tool[]> {
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
    return this.run(target, 'Tool discovery', (client, budget) =>
      allPages<Tool>('tools/list', maxPages, async (cursor) => {
        const result = await client.listTools(cursor === undefined ? undefined : { cursor }, {
          signal: budget.signal,
          timeout: budget.remainingMs(),
        });
        return { items: result.tools, nextCursor: result.nextCursor };
      }),
    );
  }

  /**
   * Everything the federation needs of an upstream, over one connection: its capabilities, and
   * the tools, resources, resource templates and prompts it advertises (only the lists its
   * capabilities announce are asked for), each followed to its last page, items as given.
   */
  discoverFeatures(target: UpstreamTarget): Promise<DiscoveredFeatures> {
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
    return this.run(target, 'Discovery', async (client, budget) => {
      const capabilities = client.getServerCapabilities() ?? {};
      const options = (): RequestOptions => ({ signal: budget.signal, timeout: budget.remainingMs() });
      const found: DiscoveredFeatures = { capabilities, tools: [] };
      const list = <T>(method: string, key: string, schema: Parameters<typeof listPageAsGiven>[3]) =>
        allPages<T>(method, maxPages, (cursor) => listPageAsGiven<T>(client, method, key, schema, cursor, options()));
      if (capabilities.tools) found.tools = await list<Tool>('tools/list', 'tools', ToolSchema);
      if (capabilities.resources) {
        found.resources = await list<Resource>('resources/list', 'resources', ResourceSchema);
        found.resourceTemplates = await list<ResourceTemplate>(
          'resources/templates/list',
          'resourceTemplates',
          ResourceTemplateSchema,
        );
      }
      if (capabilities.prompts) found.prompts = await list<Prompt>('prompts/list', 'prompts', PromptSchema);
      return found;
    });
  }

  private async run<T>(
    target: UpstreamTarget,
    action: string,
    work: (client: Client, budget: Budget) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = this.options.timeoutMs;
    const started = Date.now();
    // Filled in inside the deadline's callback; a holder keeps that visible to the code below.
    const opened: { connection?: UpstreamConnection } = {};
    try {
      const result = await withDeadline(
        timeoutMs,
        async (signal) => {
          const budget: Budget = {
            signal,
            remainingMs: () => Math.max(1, timeoutMs - (Date.now() - started)),
          };
          const connection = await this.connector.connect(target, { timeoutMs: budget.remainingMs() });
          if (signal.aborted) {
            // Connected just as the deadline passed; nobody else will close this one.
            void connection.close();
            throw signal.reason;
          }
          opened.connection = connection;
          return await work(connection.client, budget);
        },
        'the call',
      );
      await opened.connection?.close();
      return result;
    } catch (error) {
      // Closing a failed upstream's session may itself wait; the caller gets its answer now.
      void opened.connection?.close();
      throw error instanceof UpstreamError ? error : toUpstreamError(error, target, action);
    }
  }
}
