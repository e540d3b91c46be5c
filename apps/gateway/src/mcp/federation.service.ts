import { errorMessage, escapeNonPrintable } from '@app/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolRequest,
  type CallToolResult,
  type ListToolsResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { SessionIdentity } from './session-identity';
import { McpSessionPool } from './session-pool';
import { SessionPoolClosedError, SessionPoolExhaustedError } from './session-pool.errors';
import { FederatedToolTable, type FederatedTool } from './tool-names';
import { UPSTREAM_CATALOG, type CatalogUpstream, type UpstreamCatalog } from './upstream-catalog';
import { UpstreamError } from './upstream-error';
import type { EndpointContext, McpEndpoint } from './sessions/mcp-endpoint';
import { serverRelay } from './sessions/server-relay';
import type { UpstreamTarget } from '@app/registry';

/** How long one read of the upstream catalog serves /mcp requests. */
export const TOOL_TABLE_TTL_MS = 1000;

export const FEDERATION_SERVER_INFO = { name: 'mcp-gateway', version: '0.1.0' } as const;

/**
 * The gateway's own MCP server: the tools of every active upstream under one endpoint.
 *
 * The session host (sessions/mcp-session-host.ts) owns transports and client sessions; this
 * service builds the server that answers each of them (tools/list reads the catalog, tools/call
 * goes through the session pool).
 */
@Injectable()
export class FederationService implements McpEndpoint {
  private readonly logger = new Logger(FederationService.name);
  private cachedTable: { at: number; revision: number; table: Promise<FederatedToolTable> } | null = null;
  /** The last table built, with the catalog answer it was built from (reused while that stands). */
  private built: { upstreams: CatalogUpstream[]; table: FederatedToolTable } | null = null;

  constructor(
    @Inject(UPSTREAM_CATALOG) private readonly catalog: UpstreamCatalog,
    private readonly pool: McpSessionPool,
  ) {}

  async listTools(): Promise<ListToolsResult> {
    const table = await this.catalogTable('tools/list');
    return { tools: table.tools().map(exposedTool) };
  }

  /**
   * Forwards a call to the tool's upstream. An unknown tool and a JSON-RPC error from the
   * upstream are protocol errors; an upstream that cannot be reached, times out or is saturated
   * is a failed tool execution (`isError`), which the calling model can see and act on.
   */
  async callTool(params: CallToolRequest['params'], identity: SessionIdentity): Promise<CallToolResult> {
    // A name the table does not know may be one the catalog's copy does not know yet (another
    // worker registered it, and the last read was slow): ask once more, waiting for the read.
    const entry =
      (await this.catalogTable('tools/call')).resolve(params.name) ??
      (await this.catalogTable('tools/call', true)).resolve(params.name);
    if (!entry) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${escapeNonPrintable(params.name)}`);
    }
    try {
      return await this.pool.withSession(targetOf(entry), identity, (session) =>
        session.callTool({ ...params, name: entry.tool.name }),
      );
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === 'protocol' && error.code !== undefined) {
        throw new McpError(error.code, error.message);
      }
      const message = safeMessage(error);
      this.logger.warn(`Tool call ${escapeNonPrintable(params.name)} failed: ${message}`);
      return { content: [{ type: 'text', text: message }], isError: true };
    }
  }

  /**
   * The server answering one client session or one stateless request. A client session's calls
   * go to its own upstream sessions, which relay the upstreams' requests and notifications to it.
   */
  async createServer(context: EndpointContext): Promise<Server> {
    // Tools come with raw JSON schemas from upstreams, so the request handlers are set on the
    // underlying protocol server instead of registering zod-typed tools.
    const server = new McpServer({ ...FEDERATION_SERVER_INFO }, { capabilities: { tools: {} } }).server;
    const identity: SessionIdentity = context.sessionId
      ? { ...context.identity, clientSession: { id: context.sessionId, relay: serverRelay(server) } }
      : context.identity;
    server.setRequestHandler(ListToolsRequestSchema, () => this.listTools());
    server.setRequestHandler(CallToolRequestSchema, (request) => this.callTool(request.params, identity));
    return server;
  }

  /**
   * The tool table, or, when the catalog cannot be read (the registry's database is down and
   * no copy is held), a JSON-RPC error whose message is exactly REGISTRY_UNAVAILABLE: the
   * catalog's own error text (driver messages, addresses) is logged, never sent.
   */
  private async catalogTable(method: string, waitForRead = false): Promise<FederatedToolTable> {
    try {
      return await this.toolTable(waitForRead);
    } catch (error) {
      this.logger.debug(`${method} answered "${REGISTRY_UNAVAILABLE}": ${reasonOf(error)}`);
      throw registryUnavailable();
    }
  }

  /**
   * The catalog (every active upstream with its tools, from the database) is read at most once
   * per TOOL_TABLE_TTL_MS and shared by the calls in between, so call traffic does not turn
   * into database traffic. This worker's own registry changes show at once; other workers'
   * within that time. `waitForRead` skips the cache and waits for the catalog's read.
   */
  private toolTable(waitForRead = false): Promise<FederatedToolTable> {
    const now = Date.now();
    const revision = this.catalog.revision?.() ?? 0;
    const cached = this.cachedTable;
    if (!waitForRead && cached && cached.revision === revision && now - cached.at < TOOL_TABLE_TTL_MS) {
      return cached.table;
    }
    const table = this.catalog
      .listActive(waitForRead ? { waitForRead } : undefined)
      .then((upstreams) => this.tableOf(upstreams));
    const entry = { at: now, revision, table };
    this.cachedTable = entry;
    // A failed read is not cached: the next request asks the catalog again.
    table.catch(() => {
      if (this.cachedTable === entry) this.cachedTable = null;
    });
    return table;
  }

  private tableOf(upstreams: CatalogUpstream[]): FederatedToolTable {
    if (this.built?.upstreams === upstreams) return this.built.table;
    const table = FederatedToolTable.build(upstreams);
    this.built = { upstreams, table };
    return table;
  }
}

function exposedTool(entry: FederatedTool): Tool {
  const schema = entry.tool.inputSchema;
  return {
    name: entry.name,
    ...(entry.tool.description ? { description: entry.tool.description } : {}),
    inputSchema: { ...schema, type: 'object' },
  };
}

function targetOf(entry: FederatedTool): UpstreamTarget {
  const { id, name, url, connectionUrl, secretPath, transport } = entry.upstream;
  return { id, name, url, connectionUrl, secretPath, transport };
}

/** What an MCP client is told when the catalog cannot be read: nothing of the cause. */
export const REGISTRY_UNAVAILABLE = 'registry unavailable';

/**
 * A JSON-RPC internal error with the message REGISTRY_UNAVAILABLE as it is. (An McpError would
 * go out as "MCP error -32603: …": the SDK sends `code` and `message` of whatever a handler throws.)
 */
function registryUnavailable(): Error & { code: number } {
  return Object.assign(new Error(REGISTRY_UNAVAILABLE), { code: ErrorCode.InternalError });
}

function reasonOf(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : errorMessage(error);
}

/** Only errors known to carry redacted text reach the client; anything else is summarised. */
function safeMessage(error: unknown): string {
  if (
    error instanceof UpstreamError ||
    error instanceof SessionPoolExhaustedError ||
    error instanceof SessionPoolClosedError
  ) {
    return error.message;
  }
  return 'The upstream call failed with an internal error';
}
