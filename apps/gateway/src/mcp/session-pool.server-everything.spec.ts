import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { RecordingRelay } from '../../test/support/recording-relay';
import { testPoolOptions } from '../../test/support/sample-targets';
import type { SessionIdentity } from './session-identity';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector } from './upstream-connector';
import type { UpstreamTarget } from '@app/registry';

const BIN = join(__dirname, '../../../../node_modules/.bin/mcp-server-everything');

const textOf = (result: { content: Array<{ type: string; text?: string }> }): string =>
  result.content.map((c) => c.text ?? '').join('\n');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** server-everything offers its sampling, elicitation and roots tools only to clients that declare those capabilities. */
describe('McpSessionPool with server-everything as the upstream', () => {
  let child: ChildProcess;
  let target: UpstreamTarget;
  let pool: McpSessionPool;

  beforeAll(async () => {
    Logger.overrideLogger(new CaptureLogger());
    const port = await freePort();
    child = spawn(BIN, ['streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil(() => output.includes('listening on port'), 20_000, 'server-everything to listen');
    const url = `http://127.0.0.1:${port}/mcp`;
    target = {
      id: 'gw-everything',
      name: 'everything',
      url,
      connectionUrl: url,
      secretPath: false,
      transport: 'streamablehttp',
    };
  });

  afterAll(() => {
    child.kill('SIGTERM');
  });

  beforeEach(() => {
    pool = new McpSessionPool(
      testPoolOptions({ now: Date.now() }, { callTimeoutMs: 10_000, connectTimeoutMs: 10_000 }),
      new UpstreamConnector(),
    );
  });

  afterEach(async () => {
    await pool.beforeApplicationShutdown();
  });

  const toolNames = async (identity: SessionIdentity): Promise<string[]> =>
    pool.withSession(target, identity, async (s) => (await s.listTools()).tools.map((t) => t.name));

  it("declares the client session's capabilities upstream, and none on shared sessions", async () => {
    const relay = new RecordingRelay();

    const own = await toolNames({ user: 'ann', clientSession: { id: 'session-a', relay } });
    const shared = await toolNames({ user: 'ann' });

    expect(own).toEqual(
      expect.arrayContaining(['trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list']),
    );
    expect(shared).not.toContain('trigger-sampling-request');
    expect(shared).not.toContain('get-roots-list');
    expect(shared).toContain('echo');
  });

  it('relays a sampling request made during a call, and a roots request made on the session stream', async () => {
    const relay = new RecordingRelay();
    const identity: SessionIdentity = { user: 'ann', clientSession: { id: 'session-b', relay } };

    const sampled = await pool.withSession(target, identity, async (s) =>
      textOf(
        await s.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello there', maxTokens: 5 } }),
      ),
    );
    const roots = await pool.withSession(target, identity, async (s) =>
      textOf(await s.callTool({ name: 'get-roots-list', arguments: {} })),
    );

    expect(sampled).toContain('sampled');
    expect(relay.requests).toContainEqual(
      expect.objectContaining({ method: 'sampling/createMessage', params: expect.objectContaining({ maxTokens: 5 }) }),
    );
    expect(roots).toContain('file:///work');
    expect(relay.requests.map((r) => r.method)).toContain('roots/list');
  });
});
