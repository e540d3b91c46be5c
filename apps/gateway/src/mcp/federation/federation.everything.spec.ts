import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  PromptListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamTarget } from '@app/registry';
import { startEverythingServer, type EverythingServer } from '../../../test/support/everything-server';
import { startSampleServer, type SampleServer } from '../../../test/support/sample-mcp-server';
import { testAppConfig } from '../../../test/support/test-app-config';
import { AppConfigModule } from '../../config/app-config.module';
import { FederationService } from '../federation.service';
import { McpModule } from '../mcp.module';
import { McpSessionPool } from '../session-pool';
import type { CatalogUpstream, UpstreamCatalog } from '../upstream-catalog';
import { UpstreamConnector } from '../upstream-connector';
import { UpstreamControlClient } from '../upstream-control.client';

/** A catalog held in memory that, like the registry's, lists enabled-but-down upstreams too. */
class TestCatalog implements UpstreamCatalog {
  private readonly upstreams = new Map<string, CatalogUpstream>();
  private version = 0;

  put(upstream: CatalogUpstream): void {
    this.upstreams.set(upstream.id, upstream);
    this.version += 1;
  }

  async listActive(): Promise<CatalogUpstream[]> {
    return (await this.listEnabled()).filter((u) => u.available !== false);
  }

  async listEnabled(): Promise<CatalogUpstream[]> {
    return [...this.upstreams.values()];
  }

  async get(id: string): Promise<UpstreamTarget | null> {
    return this.upstreams.get(id) ?? null;
  }

  revision(): number {
    return this.version;
  }
}

function target(id: string, name: string, url: string): UpstreamTarget {
  return { id, name, url, connectionUrl: url, secretPath: false, transport: 'streamablehttp' };
}

/** What discovery stores of an upstream, through the gateway's own control client. */
async function discovered(t: UpstreamTarget): Promise<CatalogUpstream> {
  const control = new UpstreamControlClient({ timeoutMs: 10_000 }, new UpstreamConnector());
  const { tools, ...features } = await control.discoverFeatures(t);
  return {
    ...t,
    ...features,
    tools: tools.map((tool) => ({ ...tool, description: tool.description ?? null, definition: tool })),
  };
}

async function httpClient(url: string | URL): Promise<Client> {
  const client = new Client({ name: 'federation-everything-spec', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function allPages<T>(list: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const PREFIX = 'mcpgw://everything/';

describe('/mcp federating server-everything (tools, resources, prompts, completions)', () => {
  const catalog = new TestCatalog();
  let everything: EverythingServer;
  let many: SampleServer;
  let app: INestApplication;
  let endpoint: URL;
  let gateway: Client;
  let direct: Client;

  beforeAll(async () => {
    [everything, many] = await Promise.all([
      startEverythingServer(),
      startSampleServer({ name: 'many', tools: Array.from({ length: 130 }, (_, i) => `t${i}`) }),
    ]);
    catalog.put(await discovered(target('gw-everything', 'everything', everything.url)));
    catalog.put(await discovered(target('gw-many', 'many', many.url)));
    catalog.put({
      ...target('gw-down', 'down-one', 'http://127.0.0.1:9/mcp'),
      tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
      prompts: [{ name: 'greet' }],
      available: false,
    });

    const moduleRef = await Test.createTestingModule({
      imports: [
        // Stateless over HTTP; the stateful session below runs over an in-memory transport.
        AppConfigModule.forRoot(
          testAppConfig({ upstreamTimeoutMs: 10_000, mcp: { ...testAppConfig().mcp, sessions: 'stateless' } }),
        ),
        McpModule.register({ catalog: { useValue: catalog } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    endpoint = new URL(`http://127.0.0.1:${port}/mcp`);
    gateway = await httpClient(endpoint);
    direct = await httpClient(everything.url);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await direct?.close();
    await app?.close().catch(() => undefined);
    await Promise.all([everything?.close(), many?.close()]);
  });

  const gatewayTools = (): Promise<Tool[]> =>
    allPages(async (cursor) => {
      const page = await gateway.listTools(cursor === undefined ? undefined : { cursor });
      return { items: page.tools, nextCursor: page.nextCursor };
    });

  it('advertises what the upstreams offer, without listChanged or subscribe on a stateless endpoint', () => {
    const capabilities = gateway.getServerCapabilities();
    expect(capabilities).toEqual({
      tools: {},
      resources: {},
      prompts: {},
      logging: {},
      ...(capabilities?.completions ? { completions: {} } : {}),
    });
    expect(capabilities?.completions).toEqual({});
  });

  it('lists every tool of the upstream with every field it gave, under the federated name', async () => {
    const upstream = (await direct.listTools()).tools;
    const federated = new Map((await gatewayTools()).map((t) => [t.name, t]));

    expect(upstream.length).toBeGreaterThan(5);
    for (const tool of upstream) {
      expect(federated.get(`everything__${tool.name}`)).toEqual({ ...tool, name: `everything__${tool.name}` });
    }
    const structured = federated.get('everything__get-structured-content');
    expect(structured?.outputSchema).toBeDefined();
  });

  it('pages a long tool list with an opaque cursor and rejects a cursor it did not make', async () => {
    const first = await gateway.listTools();
    expect(first.tools).toHaveLength(100);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all = await gatewayTools();
    const names = all.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (let i = 0; i < 130; i += 1) expect(names).toContain(`many__t${i}`);

    const failure = await gateway.listTools({ cursor: 'not-a-cursor' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(McpError);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('lists resources and templates under gateway-scoped URIs that keep the upstream URI as it is', async () => {
    const upstreamResources = await allPages<Resource>(async (cursor) => {
      const page = await direct.listResources(cursor === undefined ? undefined : { cursor });
      return { items: page.resources, nextCursor: page.nextCursor };
    });
    const federated = await allPages<Resource>(async (cursor) => {
      const page = await gateway.listResources(cursor === undefined ? undefined : { cursor });
      return { items: page.resources, nextCursor: page.nextCursor };
    });
    expect(upstreamResources.length).toBeGreaterThan(0);
    expect(federated).toEqual(upstreamResources.map((r) => ({ ...r, uri: `${PREFIX}${r.uri}` })));

    const upstreamTemplates: ResourceTemplate[] = (await direct.listResourceTemplates()).resourceTemplates;
    const templates = (await gateway.listResourceTemplates()).resourceTemplates;
    expect(templates).toEqual(upstreamTemplates.map((t) => ({ ...t, uriTemplate: `${PREFIX}${t.uriTemplate}` })));
    expect(templates.map((t) => t.uriTemplate)).toContain(`${PREFIX}demo://resource/dynamic/text/{resourceId}`);
  });

  it('reads text and blob resources, listed or from a template, through gateway-scoped URIs', async () => {
    const [listed] = (await direct.listResources()).resources;
    const viaGateway = await gateway.readResource({ uri: `${PREFIX}${listed.uri}` });
    const viaUpstream = await direct.readResource({ uri: listed.uri });
    expect(viaGateway.contents).toEqual(viaUpstream.contents.map((c) => ({ ...c, uri: `${PREFIX}${c.uri}` })));

    const text = await gateway.readResource({ uri: `${PREFIX}demo://resource/dynamic/text/3` });
    expect(text.contents[0]).toMatchObject({
      uri: `${PREFIX}demo://resource/dynamic/text/3`,
      text: expect.any(String),
    });
    const blob = await gateway.readResource({ uri: `${PREFIX}demo://resource/dynamic/blob/2` });
    expect(blob.contents[0]).toMatchObject({
      uri: `${PREFIX}demo://resource/dynamic/blob/2`,
      blob: expect.any(String),
    });

    const unknown = await gateway.readResource({ uri: 'demo://resource/dynamic/text/3' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(McpError);
    expect((unknown as Error).message).toMatch(/Unknown resource: demo:\/\/resource\/dynamic\/text\/3/);
  });

  it('rewrites resource links in tool results so they read back through the gateway', async () => {
    const result = await gateway.callTool({ name: 'everything__get-resource-links', arguments: { count: 2 } });
    const links = (result.content as { type: string; uri?: string }[]).filter((c) => c.type === 'resource_link');
    expect(links.length).toBe(2);
    for (const link of links) {
      expect(link.uri?.startsWith(PREFIX)).toBe(true);
      const read = await gateway.readResource({ uri: link.uri ?? '' });
      expect(read.contents[0].uri).toBe(link.uri);
    }
  });

  it('forwards calls and returns structured content as the upstream gave it', async () => {
    const result = await gateway.callTool({
      name: 'everything__get-structured-content',
      arguments: { location: 'New York' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(expect.objectContaining({ temperature: expect.any(Number) }));
  });

  it('lists prompts under federated names and gets one with its arguments', async () => {
    const upstreamPrompts: Prompt[] = (await direct.listPrompts()).prompts;
    const prompts = (await gateway.listPrompts()).prompts;
    expect(prompts).toEqual(upstreamPrompts.map((p) => ({ ...p, name: `everything__${p.name}` })));

    const prompt = await gateway.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Lisbon' } });
    expect(JSON.stringify(prompt.messages)).toContain('Lisbon');
  });

  it('completes prompt arguments and template variables with references mapped back to the upstream', async () => {
    const department = await gateway.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'Eng' },
    });
    expect(department.completion.values).toContain('Engineering');

    const upstreamIds = await direct.complete({
      ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' },
      argument: { name: 'resourceId', value: '1' },
    });
    const ids = await gateway.complete({
      ref: { type: 'ref/resource', uri: `${PREFIX}demo://resource/dynamic/text/{resourceId}` },
      argument: { name: 'resourceId', value: '1' },
    });
    expect(ids.completion).toEqual(upstreamIds.completion);
  });

  it('accepts logging/setLevel', async () => {
    await expect(gateway.setLoggingLevel('warning')).resolves.toEqual({});
  });

  it('answers malformed tools/call params with a short invalid-params message', async () => {
    const missingName = await gateway
      .request({ method: 'tools/call', params: { arguments: {} } }, CallToolResultSchema)
      .catch((e: unknown) => e);
    const badArguments = await gateway
      .request({ method: 'tools/call', params: { name: 'everything__echo', arguments: 5 } }, CallToolResultSchema)
      .catch((e: unknown) => e);

    expect(missingName).toMatchObject({ code: ErrorCode.InvalidParams });
    expect((missingName as Error).message).toBe(
      'MCP error -32602: Invalid tools/call params: "name" must be a non-empty string',
    );
    expect(badArguments).toMatchObject({ code: ErrorCode.InvalidParams });
    expect((badArguments as Error).message).toBe(
      'MCP error -32602: Invalid tools/call params: "arguments" must be an object',
    );
  });

  it('says an enabled upstream that is down is unavailable, and lists nothing of it', async () => {
    const call = await gateway.callTool({ name: 'down-one__echo', arguments: {} }).catch((e: unknown) => e);
    const prompt = await gateway.getPrompt({ name: 'down-one__greet' }).catch((e: unknown) => e);
    const unknown = await gateway.callTool({ name: 'nobody__echo', arguments: {} }).catch((e: unknown) => e);

    expect((call as Error).message).toBe('MCP error -32603: upstream down-one is unavailable');
    expect((prompt as Error).message).toBe('MCP error -32603: upstream down-one is unavailable');
    expect((unknown as Error).message).toBe('MCP error -32602: Unknown tool: nobody__echo');
    expect((await gatewayTools()).map((t) => t.name)).not.toContain('down-one__echo');
  });

  describe('a stateful session (createServer with a session id)', () => {
    let client: Client;

    beforeAll(async () => {
      const server = await app
        .get(FederationService)
        .createServer({ identity: { user: 'anonymous' }, sessionId: 'session-1' });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      client = new Client(
        { name: 'stateful-spec', version: '1.0.0' },
        { capabilities: { roots: { listChanged: true } } },
      );
      await client.connect(clientSide);
    });

    afterAll(async () => {
      await client?.close();
    });

    it('advertises listChanged and resource subscriptions', () => {
      expect(client.getServerCapabilities()).toMatchObject({
        tools: { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        prompts: { listChanged: true },
      });
    });

    it("calls upstreams on the session's own upstream sessions, which relay back to this client", async () => {
      const pool = app.get(McpSessionPool);
      const withSession = jest.spyOn(pool, 'withSession');
      try {
        const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
        expect(JSON.stringify(result.content)).toContain('hi');
        const identity = withSession.mock.calls[0][1];
        expect(identity).toMatchObject({ user: 'anonymous', clientSession: { id: 'session-1' } });
        expect(identity.clientSession?.relay.capabilities).toEqual({ roots: { listChanged: true } });
      } finally {
        withSession.mockRestore();
      }
    });

    it('subscribes to a resource on its upstream through the gateway-scoped URI', async () => {
      await expect(client.subscribeResource({ uri: `${PREFIX}demo://resource/dynamic/text/1` })).resolves.toEqual({});
      await expect(client.unsubscribeResource({ uri: `${PREFIX}demo://resource/dynamic/text/1` })).resolves.toEqual({});
      const unknown = await client.subscribeResource({ uri: 'mcpgw://nobody/x' }).catch((e: unknown) => e);
      expect((unknown as Error).message).toBe('MCP error -32002: Unknown resource: mcpgw://nobody/x');
    });

    it('is told the tool and prompt lists changed when an upstream is registered', async () => {
      const tools = new Promise<void>((resolve) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
      );
      const prompts = new Promise<void>((resolve) =>
        client.setNotificationHandler(PromptListChangedNotificationSchema, () => resolve()),
      );
      await client.listTools();
      catalog.put({
        ...target('gw-new', 'newcomer', 'http://127.0.0.1:9/mcp'),
        tools: [{ name: 'hello', inputSchema: { type: 'object' } }],
        prompts: [{ name: 'intro' }],
      });

      await expect(Promise.all([tools, prompts])).resolves.toBeDefined();
      const names = await allPages(async (cursor) => {
        const page = await client.listTools(cursor === undefined ? undefined : { cursor });
        return { items: page.tools.map((t) => t.name), nextCursor: page.nextCursor };
      });
      expect(names).toContain('newcomer__hello');
    });
  });
});
