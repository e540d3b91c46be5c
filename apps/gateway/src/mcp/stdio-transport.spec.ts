import { Logger } from '@nestjs/common';
import type { UpstreamTarget } from '@app/registry';
import { waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testPoolOptions } from '../../test/support/sample-targets';
import {
  childProcessesOf,
  exitAtOnceSpec,
  processExists,
  serverEverythingSpec,
  STDIO_ENV_CANARY,
} from '../../test/support/stdio-servers';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { parseStdioServers } from './stdio-servers';
import { StdioUpstreamTransport } from './stdio-transport';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamControlClient } from './upstream-control.client';
import { UpstreamError } from './upstream-error';

const catalog = parseStdioServers(
  JSON.stringify({
    everything: serverEverythingSpec(),
    'exits-at-once': exitAtOnceSpec(),
    missing: { command: 'no-such-command-for-stdio-tests' },
    'bad-cwd': { ...serverEverythingSpec(), cwd: '/no/such/directory' },
  }),
);

const stdioTarget = (name: string): UpstreamTarget => ({
  id: `gw-${name}`,
  name,
  url: `stdio:${name}`,
  connectionUrl: `stdio:${name}`,
  secretPath: false,
  transport: 'stdio',
});

const textOf = (result: { content: Array<{ type: string; text?: string }> }): string | undefined =>
  result.content.find((c) => c.type === 'text')?.text;

/** server-everything processes this test worker started and has not reaped. */
const everythingChildren = (): number[] =>
  childProcessesOf(process.pid)
    .filter((child) => child.args.includes('server-everything'))
    .map((child) => child.pid);

describe('stdio upstreams (server-everything over stdio)', () => {
  const logs = new CaptureLogger();
  const connector = new UpstreamConnector(undefined, catalog);

  beforeAll(() => Logger.overrideLogger(logs));

  afterEach(() => {
    // Every test closes what it opened: nothing may be left running.
    expect(everythingChildren()).toEqual([]);
  });

  it('starts the allow-listed command, lists and calls its tools, and leaves no process after close', async () => {
    const connection = await connector.connect(stdioTarget('everything'), { timeoutMs: 15_000 });
    const transport = connection.client.transport as StdioUpstreamTransport;
    const pid = transport.pid;
    expect(pid).not.toBeNull();
    expect(everythingChildren()).toEqual([pid]);

    const { tools } = await connection.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    const result = await connection.client.callTool({ name: 'echo', arguments: { message: 'over stdio' } });
    expect(textOf(result as { content: Array<{ type: string; text?: string }> })).toContain('over stdio');

    await connection.close();
    expect(processExists(pid as number)).toBe(false);
  });

  it('gives the process its configured env over a minimal inherited one', async () => {
    const connection = await connector.connect(stdioTarget('everything'), { timeoutMs: 15_000 });
    try {
      const result = await connection.client.callTool({ name: 'get-env', arguments: {} });
      const env = JSON.parse(textOf(result as { content: Array<{ type: string; text?: string }> }) ?? '{}') as Record<
        string,
        string
      >;
      expect(env.EVERYTHING_API_KEY).toBe(STDIO_ENV_CANARY);
      expect(env.PATH).toBe(process.env.PATH);
      // The gateway's own environment (its database URL, tokens, ...) is not passed on.
      expect(Object.keys(env).filter((k) => !['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'].includes(k))).toEqual(
        ['EVERYTHING_API_KEY'],
      );
    } finally {
      await connection.close();
    }
  });

  it('reports a command that exits at once plainly, with its stderr masked', async () => {
    const failure = await connector
      .connect(stdioTarget('exits-at-once'), { timeoutMs: 15_000 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UpstreamError);
    const message = (failure as UpstreamError).message;
    expect(message).toContain('stdio server "exits-at-once" exited before completing the MCP handshake');
    expect(message).toContain('fatal: bad key ***');
    expect(message).not.toContain(STDIO_ENV_CANARY);
    expect((failure as UpstreamError).kind).toBe('unreachable');
  });

  it('refuses names outside the allow-list, naming the allowed ones', async () => {
    await expect(connector.connect(stdioTarget('not-listed'), { timeoutMs: 5_000 })).rejects.toThrow(
      'stdio server "not-listed" is not configured (STDIO_SERVERS allows: bad-cwd, everything, exits-at-once, missing)',
    );
    await expect(new UpstreamConnector().connect(stdioTarget('everything'), { timeoutMs: 5_000 })).rejects.toThrow(
      'stdio server "everything" is not configured (STDIO_SERVERS allows none)',
    );
  });

  it('says why a command cannot be started', async () => {
    await expect(connector.connect(stdioTarget('missing'), { timeoutMs: 5_000 })).rejects.toThrow(
      /could not start stdio server "missing": spawn no-such-command-for-stdio-tests ENOENT/,
    );
    await expect(connector.connect(stdioTarget('bad-cwd'), { timeoutMs: 5_000 })).rejects.toThrow(
      'could not start stdio server "bad-cwd": its cwd is not a directory: /no/such/directory',
    );
  });

  it('health checks and discovery work through the connector, each with a process of its own', async () => {
    const control = new UpstreamControlClient({ timeoutMs: 15_000 }, connector);
    const { latencyMs } = await control.ping(stdioTarget('everything'));
    expect(latencyMs).toBeGreaterThanOrEqual(0);
    const tools = await control.listTools(stdioTarget('everything'));
    expect(tools.map((t) => t.name)).toContain('echo');
    await expect(control.ping(stdioTarget('exits-at-once'))).rejects.toThrow(
      /exited before completing the MCP handshake/,
    );
  });

  it('pools stdio sessions: a process that dies breaks its session and the next call starts a new one', async () => {
    const clock = { now: Date.now() };
    const pool = new McpSessionPool(
      testPoolOptions(clock, { connectTimeoutMs: 15_000, callTimeoutMs: 15_000 }),
      connector,
    );
    const echo = (text: string): Promise<string | undefined> =>
      pool.withSession(stdioTarget('everything'), ANONYMOUS_IDENTITY, async (s) =>
        textOf(await s.callTool({ name: 'echo', arguments: { message: text } })),
      );
    try {
      expect(await echo('one')).toContain('one');
      expect(await echo('two')).toContain('two');
      const [first] = everythingChildren();
      expect(everythingChildren()).toHaveLength(1);

      process.kill(first, 'SIGKILL');
      // The pool saw the transport close: the idle session counts as broken and is dropped.
      await waitUntil(() => pool.sweep() === 1, 5_000, 'the dead session to count as broken');
      expect(pool.metrics().totals.closedBroken).toBe(1);
      expect(processExists(first)).toBe(false);
      expect(await echo('three')).toContain('three');
      const [second] = everythingChildren();
      expect(second).not.toBe(first);
    } finally {
      await pool.beforeApplicationShutdown();
    }
  });

  it('logs stderr at debug level with env values masked', async () => {
    const transport = new StdioUpstreamTransport({
      name: 'noisy',
      command: process.execPath,
      args: ['-e', 'console.error("key is " + process.env.NOISY_KEY); console.error("bye")'],
      env: { NOISY_KEY: STDIO_ENV_CANARY },
    });
    await transport.start();
    await waitUntil(() => transport.stderrLog.lastLines().includes('bye'), 5_000, 'stderr lines');
    await transport.close();
    expect(logs.text()).toContain('debug stdio server "noisy"');
    expect(logs.text()).toContain('stderr: key is ***');
    expect(logs.text()).not.toContain(STDIO_ENV_CANARY);
  });
});
