import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod/v4';

/**
 * Many upstream MCP servers on one loopback port, one per path (`/u/<i>/mcp`), each the SDK's
 * McpServer in stateless Streamable HTTP mode with one `echo` tool. Records when each was asked
 * for its tools, which is what the gateway's discovery polls are.
 */
export class UpstreamFarm {
  /** Epoch ms of every `tools/list` request, per upstream. */
  readonly toolLists: number[][];

  private constructor(
    private readonly http: Server,
    readonly count: number,
  ) {
    this.toolLists = Array.from({ length: count }, () => []);
  }

  static async start(count: number): Promise<UpstreamFarm> {
    const http = createServer();
    const farm = new UpstreamFarm(http, count);
    http.on('request', (req, res) => void farm.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return farm;
  }

  url(i: number): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/u/${i}/mcp`;
  }

  close(): Promise<void> {
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/u\/(\d+)\/mcp$/.exec(req.url ?? '');
    const index = match ? Number(match[1]) : -1;
    if (index < 0 || index >= this.count) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if ((body as { method?: unknown }).method === 'tools/list') this.toolLists[index].push(Date.now());
    const server = new McpServer({ name: `farm-${index}`, version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }
}
