import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface ToolCallOutcome {
  text: string;
  isError: boolean;
}

/** An MCP client (the SDK's) connected to a gateway's `/mcp`, as any MCP host would connect. */
export class FederationClient {
  private constructor(private readonly client: Client) {}

  static async connect(gatewayBaseUrl: string, user?: string): Promise<FederationClient> {
    const headers: Record<string, string> = user === undefined ? {} : { 'x-mcp-user': user };
    const transport = new StreamableHTTPClientTransport(new URL(`${gatewayBaseUrl}/mcp`), { requestInit: { headers } });
    const client = new Client({ name: 'e2e-client', version: '1.0.0' });
    await client.connect(transport, { timeout: 10_000 });
    return new FederationClient(client);
  }

  async toolNames(): Promise<string[]> {
    const { tools } = await this.client.listTools(undefined, { timeout: 10_000 });
    return tools.map((tool) => tool.name).sort();
  }

  async callTool(name: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<ToolCallOutcome> {
    const result = await this.client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs });
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
    const text = content.map((part) => (isTextPart(part) ? part.text : '')).join('');
    return { text, isError: result.isError === true };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The name a tool gets in /mcp for an upstream registered under a plain (slug-safe) name. */
export function federatedName(gatewayName: string, tool: string): string {
  return `${gatewayName}__${tool}`;
}

function isTextPart(part: unknown): part is { type: 'text'; text: string } {
  if (typeof part !== 'object' || part === null) return false;
  return 'type' in part && part.type === 'text' && 'text' in part && typeof part.text === 'string';
}
