import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { AppConfigModule } from '../../src/config/app-config.module';
import type { AppConfig } from '../../src/config/app-config';
import { McpModule } from '../../src/mcp/mcp.module';
import { McpSessionPool } from '../../src/mcp/session-pool';
import type { UpstreamCatalog } from '../../src/mcp/upstream-catalog';
import { CaptureLogger } from './capture-logger';
import { testAppConfig } from './test-app-config';

/** The MCP layer (pool, /mcp, /servers/<name>/mcp) in a Nest app on a loopback port. */
export class McpTestApp {
  readonly logs: CaptureLogger;

  private constructor(
    readonly app: INestApplication,
    readonly baseUrl: string,
    logs: CaptureLogger,
  ) {
    this.logs = logs;
  }

  static async start(catalog: UpstreamCatalog, config: Partial<AppConfig> = {}): Promise<McpTestApp> {
    const logs = new CaptureLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(testAppConfig(config)), McpModule.register({ catalog: { useValue: catalog } })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new McpTestApp(app, `http://127.0.0.1:${port}`, logs);
  }

  get pool(): McpSessionPool {
    return this.app.get(McpSessionPool);
  }

  url(path: string): URL {
    return new URL(`${this.baseUrl}${path}`);
  }

  /** An SDK client connected to `path`, as `user` when given. */
  async connect(
    path: string,
    options: { user?: string; capabilities?: ClientCapabilities } = {},
  ): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const headers: Record<string, string> = options.user === undefined ? {} : { 'x-mcp-user': options.user };
    const transport = new StreamableHTTPClientTransport(this.url(path), { requestInit: { headers } });
    const client = new Client({ name: 'session-spec', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
    await client.connect(transport, { timeout: 10_000 });
    return { client, transport };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** Headers of a raw Streamable HTTP POST. */
export function mcpHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    ...extra,
  };
}

/** A raw JSON-RPC POST; the body parsed (from JSON or the first SSE data line). */
export async function postJsonRpc(
  url: URL,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number; sessionId: string | null; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: mcpHeaders(headers),
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    signal,
  });
  const text = await response.text();
  const data = response.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .find((line) => line.trim() !== '')
    : text;
  return {
    status: response.status,
    sessionId: response.headers.get('mcp-session-id'),
    body: data ? (JSON.parse(data) as unknown) : null,
  };
}

export const INITIALIZE = {
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
} as const;
