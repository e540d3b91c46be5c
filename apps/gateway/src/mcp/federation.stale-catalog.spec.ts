import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CaptureLogger } from '../../test/support/capture-logger';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { AppConfigModule } from '../config/app-config.module';
import { McpModule } from './mcp.module';
import type { CatalogUpstream, ListActiveOptions, UpstreamCatalog } from './upstream-catalog';

/**
 * A catalog whose quick answer is an old copy (its read was slow) and whose patient answer
 * (`waitForRead`) is the current registry, as RegistryUpstreamCatalog behaves while another
 * worker's registration is not in its copy yet.
 */
class LaggingCatalog implements UpstreamCatalog {
  readonly calls: (ListActiveOptions | undefined)[] = [];
  old: CatalogUpstream[] = [];
  current: CatalogUpstream[] = [];

  async listActive(options?: ListActiveOptions): Promise<CatalogUpstream[]> {
    this.calls.push(options);
    return options?.waitForRead ? this.current : this.old;
  }

  async get(): Promise<null> {
    return null;
  }
}

describe('/mcp tools/call on a catalog copy that lags behind', () => {
  const catalog = new LaggingCatalog();
  let upstream: SampleServer;
  let app: INestApplication;
  let client: Client;

  beforeAll(async () => {
    upstream = await startSampleServer({ name: 'late' });
    catalog.current = [
      {
        id: 'gw-late',
        name: 'late',
        url: upstream.url,
        connectionUrl: upstream.url,
        secretPath: false,
        transport: 'streamablehttp',
        tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }],
      },
    ];
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(testAppConfig()), McpModule.register({ catalog: { useValue: catalog } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new CaptureLogger() });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    client = new Client({ name: 'stale-catalog-spec', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await upstream?.close();
  });

  it('waits for the catalog read before calling a tool unknown to the copy', async () => {
    const result = (await client.callTool({ name: 'late__echo', arguments: { text: 'hi' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(catalog.calls).toEqual([undefined, { waitForRead: true }]);
  });

  it('still answers "Unknown tool" for a name neither knows', async () => {
    await expect(client.callTool({ name: 'nobody__echo' })).rejects.toThrow(/Unknown tool: nobody__echo/);
  });
});
