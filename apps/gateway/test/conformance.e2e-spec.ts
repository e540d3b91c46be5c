import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { AdminApi } from './support/admin-api';
import { describeFailures, runConformance, type ConformanceRun } from './support/conformance-runner';
import { startConformanceServer, type ConformanceServer } from './support/conformance-server';
import { WATCHED_RESOURCE_URI } from './support/conformance-catalog';
import { CONFORMANCE_TOOLS } from './support/conformance-tools';
import { createDatabase, type E2eDatabase } from './support/e2e-stores';
import { GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';

// The official suite, @modelcontextprotocol/conformance 0.1.16: every server scenario, pending ones included.
const UPSTREAM_NAME = 'conformance';
const prefixed = (name: string): string => `${UPSTREAM_NAME}__${name}`;
const callsTool = (tool: string): string => `calls the tool ${tool}, which /mcp names ${prefixed(tool)}`;
const getsPrompt = (prompt: string): string => `gets the prompt ${prompt}, which /mcp names ${prefixed(prompt)}`;
const readsUri = (uri: string): string => `reads ${uri}, which /mcp serves under its own URI scheme`;

/** Scenarios that use no tool, prompt or resource by name: the prefixed /mcp must pass them too. */
const NAME_INDEPENDENT = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'tools-list',
  'server-sse-multiple-streams',
  'resources-list',
  'prompts-list',
  'dns-rebinding-protection',
] as const;

/** Scenarios that name a tool, prompt or resource as the upstream does, and why /mcp cannot pass them. */
const NAME_DEPENDENT: Readonly<Record<string, string>> = {
  'completion-complete': `completes an argument of test_prompt_with_arguments, which /mcp names ${prefixed('test_prompt_with_arguments')}`,
  'tools-call-simple-text': callsTool('test_simple_text'),
  'tools-call-image': callsTool('test_image_content'),
  'tools-call-audio': callsTool('test_audio_content'),
  'tools-call-embedded-resource': callsTool('test_embedded_resource'),
  'tools-call-mixed-content': callsTool('test_multiple_content_types'),
  'tools-call-with-logging': callsTool('test_tool_with_logging'),
  'tools-call-error': callsTool('test_error_handling'),
  'tools-call-with-progress': callsTool('test_tool_with_progress'),
  'tools-call-sampling': callsTool('test_sampling'),
  'tools-call-elicitation': callsTool('test_elicitation'),
  'elicitation-sep1034-defaults': callsTool('test_elicitation_sep1034_defaults'),
  'elicitation-sep1330-enums': callsTool('test_elicitation_sep1330_enums'),
  'json-schema-2020-12': `looks up the tool json_schema_2020_12_tool by name, which /mcp names ${prefixed('json_schema_2020_12_tool')}`,
  // Without the tool it passes vacuously (warnings only), so it proves nothing through /mcp.
  'server-sse-polling': callsTool('test_reconnection'),
  'resources-read-text': readsUri('test://static-text'),
  'resources-read-binary': readsUri('test://static-binary'),
  'resources-templates-read': readsUri('test://template/123/data'),
  'resources-subscribe': `subscribes to test://watched-resource, which /mcp serves under its own URI scheme`,
  'resources-unsubscribe': `unsubscribes from test://watched-resource, which /mcp serves under its own URI scheme`,
  'prompts-get-simple': getsPrompt('test_simple_prompt'),
  'prompts-get-with-args': getsPrompt('test_prompt_with_arguments'),
  'prompts-get-embedded-resource': getsPrompt('test_prompt_with_embedded_resource'),
  'prompts-get-with-image': getsPrompt('test_prompt_with_image'),
};

const ALL_SCENARIOS = [...NAME_INDEPENDENT, ...Object.keys(NAME_DEPENDENT)].sort();

// Each suite run takes seconds; the bound leaves room for a loaded machine.
const SUITE_TIMEOUT_MS = 180_000;

const sorted = (names: readonly string[]): string[] => [...names].sort();

/** Successful checks per scenario: a faithful proxy shows the suite what the upstream shows it. */
const successes = (run: ConformanceRun): Record<string, number> =>
  Object.fromEntries(run.results.map((r) => [r.scenario, r.checks.filter((c) => c.status === 'SUCCESS').length]));

/** Scenarios that passed without a single successful check (only warnings or notes): they proved nothing. */
const vacuous = (run: ConformanceRun): string[] =>
  run.results.filter((r) => r.passed && !r.checks.some((c) => c.status === 'SUCCESS')).map((r) => r.scenario);

/**
 * What the suite cannot see: resources-subscribe only checks the empty answer. Subscribes at `url`,
 * has the upstream change the resource, and returns the URIs the client was told about.
 */
async function updatesAfterSubscribing(url: string, upstream: ConformanceServer): Promise<string[]> {
  const client = new Client({ name: 'subscriber', version: '1.0.0' });
  const updated: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updated.push(notification.params.uri);
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    await client.subscribeResource({ uri: WATCHED_RESOURCE_URI });
    // Updates go out on the GET stream, which the client opens on its own time: repeat until one lands.
    await pollUntil(
      'a resource update to arrive',
      async () => {
        await upstream.resourceUpdated(WATCHED_RESOURCE_URI);
        return updated.length;
      },
      (count) => count > 0,
    );
    await upstream.resourceUpdated('test://static-text');
    // Room for a wrongly relayed update of the resource nobody subscribed to.
    await delay(200);
    return [...new Set(updated)];
  } finally {
    await client.close();
  }
}

describe('the MCP conformance suite (server scenarios of @modelcontextprotocol/conformance 0.1.16)', () => {
  let upstream: ConformanceServer;
  let direct: ConformanceRun;

  beforeAll(async () => {
    upstream = await startConformanceServer();
    direct = await runConformance(upstream.url);
  }, SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await upstream?.close();
  });

  describe('directly against the conformance upstream', () => {
    it('runs every server scenario of the suite', () => {
      expect(sorted(direct.results.map((r) => r.scenario))).toEqual(ALL_SCENARIOS);
    });

    it('passes every server scenario', () => {
      expect(describeFailures(direct)).toBe('');
      expect(sorted(direct.passed)).toEqual(ALL_SCENARIOS);
      // The suite probes SSE polling as a 2025-03-26 client, which the SDK rightly never primes for resumption.
      expect(vacuous(direct)).toEqual(['server-sse-polling']);
    });

    it('tells a subscribed client when its resource changes, and of no other resource', async () => {
      await expect(updatesAfterSubscribing(upstream.url, upstream)).resolves.toEqual([WATCHED_RESOURCE_URI]);
    });

    it('reports the failed checks of a scenario that fails', async () => {
      const run = await runConformance(upstream.url.replace(/\/mcp$/, '/not-mcp'), { scenarios: ['ping'] });
      expect(run.failed).toEqual(['ping']);
      expect(describeFailures(run)).toMatch(/^ping:\n {4}- ping: Failed: [^]*Cannot POST \/not-mcp/);
    });
  });

  describe('through the gateway', () => {
    let database: E2eDatabase;
    let gateway: GatewayProcess;

    beforeAll(async () => {
      database = await createDatabase('sqlite');
      // The suite sends no credentials: client authentication is off for this gateway.
      gateway = await GatewayProcess.start({
        label: 'gateway (conformance)',
        env: { DATABASE_URL: database.url, MCP_AUTH_DISABLED: 'true' },
      });
      const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
      const registered = await admin.createGateway(UPSTREAM_NAME, upstream.url);
      await pollUntil(
        'the conformance upstream tools to be discovered',
        () => admin.listTools(registered.id),
        (tools) => tools.length === CONFORMANCE_TOOLS.length,
      );
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await stopAllGateways();
      await database?.drop();
    });

    it(
      `passes at /servers/${UPSTREAM_NAME}/mcp every scenario the upstream passes on its own`,
      async () => {
        const run = await runConformance(`${gateway.baseUrl}/servers/${UPSTREAM_NAME}/mcp`);
        expect(describeFailures(run)).toBe('');
        expect(sorted(run.passed)).toEqual(sorted(direct.passed));
        expect(successes(run)).toEqual(successes(direct));
      },
      SUITE_TIMEOUT_MS,
    );

    it(`relays resource updates to a client subscribed at /servers/${UPSTREAM_NAME}/mcp`, async () => {
      await expect(
        updatesAfterSubscribing(`${gateway.baseUrl}/servers/${UPSTREAM_NAME}/mcp`, upstream),
      ).resolves.toEqual([WATCHED_RESOURCE_URI]);
    });

    it(
      'passes at /mcp, where names carry the upstream prefix, every scenario that uses no fixed name',
      async () => {
        const run = await runConformance(`${gateway.baseUrl}/mcp`, { scenarios: NAME_INDEPENDENT });
        expect(describeFailures(run)).toBe('');
        expect(sorted(run.passed)).toEqual(sorted(NAME_INDEPENDENT));
        // Stateful /mcp gives the multiple-streams scenario a session; stateless would leave it warnings only.
        expect(vacuous(run)).toEqual([]);
      },
      SUITE_TIMEOUT_MS,
    );
  });
});
