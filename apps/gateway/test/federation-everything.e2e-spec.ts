import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AdminApi } from './support/admin-api';
import { createDatabase, type E2eDatabase } from './support/e2e-stores';
import { startEverythingServer, type EverythingServer } from './support/everything-server';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';

const PREFIX = 'mcpgw://everything/';

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'federation-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 10_000 });
  return client;
}

// Discovery stores everything /mcp serves: the stored JSON must read back the same on both databases.
describe.each(['sqlite', 'postgres'] as const)('a gateway on %s federating server-everything', (kind) => {
  let database: E2eDatabase;
  let everything: EverythingServer;
  let gateway: GatewayProcess;
  let mcp: Client;
  let direct: Client;

  beforeAll(async () => {
    database = await createDatabase(kind);
    everything = await startEverythingServer();
    gateway = await GatewayProcess.start({
      label: `gateway (${kind})`,
      env: { ...FAST_POLLING_ENV, UPSTREAM_TIMEOUT_MS: '10000', DATABASE_URL: database.url },
    });
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    const registered = await admin.createGateway('everything', everything.url);
    await pollUntil(
      'the first discovery to store the upstream tools',
      () => admin.listTools(registered.id),
      (found) => found.length > 5,
    );
    direct = await connect(everything.url);
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await direct?.close().catch(() => undefined);
    await stopAllGateways();
    await everything?.close();
    await database?.drop();
  });

  it('serves what discovery stored: capabilities, full tools, resources, templates and prompts', async () => {
    // The catalog is read at most once a second: a client arriving right after discovery may see the copy before it.
    mcp = await pollUntil(
      'a client to be offered prompts',
      async () => {
        const client = await connect(`${gateway.baseUrl}/mcp`);
        if (client.getServerCapabilities()?.prompts === undefined) await client.close();
        return client;
      },
      (client) => client.getServerCapabilities()?.prompts !== undefined,
    );
    expect(mcp.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });

    const upstreamTools = (await direct.listTools()).tools;
    const tools = new Map((await mcp.listTools()).tools.map((t) => [t.name, t]));
    for (const tool of upstreamTools) {
      expect(tools.get(`everything__${tool.name}`)).toEqual({ ...tool, name: `everything__${tool.name}` });
    }
    expect((await mcp.listResources()).resources).toEqual(
      (await direct.listResources()).resources.map((r) => ({ ...r, uri: `${PREFIX}${r.uri}` })),
    );
    expect((await mcp.listResourceTemplates()).resourceTemplates).toEqual(
      (await direct.listResourceTemplates()).resourceTemplates.map((t) => ({
        ...t,
        uriTemplate: `${PREFIX}${t.uriTemplate}`,
      })),
    );
    expect((await mcp.listPrompts()).prompts).toEqual(
      (await direct.listPrompts()).prompts.map((p) => ({ ...p, name: `everything__${p.name}` })),
    );
  });

  it('reads, gets prompts, completes and calls through the gateway', async () => {
    const read = await mcp.readResource({ uri: `${PREFIX}demo://resource/dynamic/blob/1` });
    expect(read.contents[0]).toMatchObject({
      uri: `${PREFIX}demo://resource/dynamic/blob/1`,
      blob: expect.any(String),
    });

    const prompt = await mcp.getPrompt({
      name: 'everything__args-prompt',
      arguments: { city: 'Oslo', state: 'Viken' },
    });
    expect(JSON.stringify(prompt.messages)).toContain('Oslo');

    const completion = await mcp.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'Sa' },
    });
    expect(completion.completion.values).toContain('Sales');

    const sum = await mcp.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(sum.content)).toContain('5');
  });
});
