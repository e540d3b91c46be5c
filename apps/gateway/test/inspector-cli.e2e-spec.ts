import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { AdminApi } from './support/admin-api';
import { createDatabase, type E2eDatabase } from './support/e2e-stores';
import { federatedName } from './support/federation-client';
import { GatewayProcess, REPO_ROOT, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import { UpstreamFleet } from './support/upstream-fleet';

const run = promisify(execFile);
const INSPECTOR = require.resolve('@modelcontextprotocol/inspector-cli/build/index.js', { paths: [REPO_ROOT] });

/** The MCP Inspector's CLI mode against a URL: its JSON answer on stdout. */
async function inspect(url: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [INSPECTOR, url, '--transport', 'http', ...args], {
    // The CLI finds its own package.json relative to the working directory.
    cwd: dirname(INSPECTOR),
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

// A client nobody here wrote, as an operator would point it at the gateway.
describe('the MCP Inspector CLI against the gateway', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    database = await createDatabase('sqlite');
    const upstream = await fleet.start('alpha');
    gateway = await GatewayProcess.start({ label: 'gateway', env: { DATABASE_URL: database.url } });
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    const registered = await admin.createGateway('alpha', upstream.url);
    await pollUntil(
      'the tools to be discovered',
      () => admin.listTools(registered.id),
      (tools) => tools.length > 0,
    );
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('lists the federated tools and calls one through /mcp', async () => {
    const url = `${gateway.baseUrl}/mcp`;
    const listed = (await inspect(url, '--method', 'tools/list')) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining([federatedName('alpha', 'echo'), federatedName('alpha', 'add')]),
    );

    const called = await inspect(
      url,
      '--method',
      'tools/call',
      '--tool-name',
      federatedName('alpha', 'echo'),
      '--tool-arg',
      'text=through the inspector',
    );
    expect(called).toMatchObject({ content: [{ type: 'text', text: 'through the inspector' }] });
  });

  it('sees one upstream as it is through /servers/<name>/mcp', async () => {
    const url = `${gateway.baseUrl}/servers/alpha/mcp`;
    const listed = (await inspect(url, '--method', 'tools/list')) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name).sort()).toEqual(['add', 'echo', 'whoami']);

    const called = await inspect(url, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', 'b=40');
    expect(called).toMatchObject({ content: [{ type: 'text', text: '42' }] });
  });
});
