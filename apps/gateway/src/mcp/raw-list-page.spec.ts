import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema, ToolSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { listPageAsGiven } from './raw-list-page';

describe('listPageAsGiven', () => {
  let tools: unknown[];
  let client: Client;

  beforeAll(async () => {
    const server = new Server({ name: 'raw', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, (request) =>
      request.params?.cursor === 'two' ? { tools: tools.slice(1) } : { tools: tools.slice(0, 1), nextCursor: 'two' },
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'spec', version: '1.0.0' });
    await client.connect(clientSide);
  });

  afterAll(() => client.close());

  it('keeps fields the SDK does not know, which its own listTools drops', async () => {
    tools = [
      { name: 'a', inputSchema: { type: 'object' }, 'x-vendor': { cost: 3 } },
      { name: 'b', inputSchema: { type: 'object' } },
    ];
    const first = await listPageAsGiven<Tool>(client, 'tools/list', 'tools', ToolSchema, undefined, {});
    const second = await listPageAsGiven<Tool>(client, 'tools/list', 'tools', ToolSchema, first.nextCursor, {});

    expect(first).toEqual({ items: [tools[0]], nextCursor: 'two' });
    expect(second).toEqual({ items: [tools[1]] });
    expect((await client.listTools()).tools[0]).not.toHaveProperty('x-vendor');
  });

  it('rejects a page with an item that is not a valid tool, naming where it is', async () => {
    tools = [{ name: 'a' }];
    await expect(listPageAsGiven(client, 'tools/list', 'tools', ToolSchema, undefined, {})).rejects.toThrow(
      'tools/list answered an invalid item at tools[0]',
    );
  });
});
