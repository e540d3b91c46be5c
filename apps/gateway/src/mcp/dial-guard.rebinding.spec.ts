import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { waitUntil } from '../../test/support/async-helpers';
import { MemoryUpstreamCatalog } from '../../test/support/memory-upstream-catalog';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { AppConfigModule } from '../config/app-config.module';
import { AddressDialGuard, DIAL_GUARD } from './dial-guard';
import { McpModule } from './mcp.module';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector, type UpstreamConnection } from './upstream-connector';
import { UpstreamError } from './upstream-error';
import type { HostResolver, UpstreamTarget, UpstreamTransport } from '@app/registry';

// A name no real resolver answers, so the resolvers below are the only way it resolves.
const NAME = 'upstream.test';
const METADATA = '169.254.169.254';
const open = { blockPrivate: false };

/** A resolver that answers `first` on its first call and `later` on every call after; it counts its calls. */
function rebinding(first: string, later: string): HostResolver & { calls: number } {
  const resolver = Object.assign(
    async (): Promise<string[]> => {
      resolver.calls += 1;
      return [resolver.calls === 1 ? first : later];
    },
    { calls: 0 },
  );
  return resolver;
}

function targetAt(url: string, transport: UpstreamTransport = 'streamablehttp'): UpstreamTarget {
  return { id: 'gw-named', name: 'named', url, connectionUrl: url, secretPath: false, transport };
}

/** `url` with its host replaced by `host` (the port and path stay). */
function viaHost(url: string, host: string): string {
  const named = new URL(url);
  named.hostname = host;
  return named.href;
}

async function echo(connection: UpstreamConnection, text: string): Promise<unknown> {
  const result = await connection.client.callTool({ name: 'echo', arguments: { text } });
  return (result.content as { text: string }[])[0]?.text;
}

describe('Dialling exactly the address that was checked (DNS rebinding)', () => {
  let sample: SampleServer;
  const guards: AddressDialGuard[] = [];
  const guard = (resolve: HostResolver, policy = open, options = {}): AddressDialGuard => {
    const made = new AddressDialGuard(policy, resolve, options);
    guards.push(made);
    return made;
  };

  beforeAll(async () => {
    sample = await startSampleServer({ name: 'sample' });
  });
  afterEach(async () => {
    await Promise.all(guards.splice(0).map((g) => g.close()));
  });
  afterAll(() => sample.close());

  it.each([
    ['Streamable HTTP', 'streamablehttp'],
    ['HTTP+SSE', 'sse'],
  ] as const)(
    'resolves the name once per %s connection, and every socket of it dials the answer checked then',
    async (_label, transport) => {
      const resolver = rebinding('127.0.0.1', METADATA);
      const url = viaHost(transport === 'sse' ? sample.sseUrl : sample.url, NAME);
      const dialGuard = guard(resolver);
      const accepted = sample.stats().connectionsAccepted;
      const connection = await new UpstreamConnector(dialGuard).connect(targetAt(url, transport), {
        timeoutMs: 2_000,
      });
      try {
        await connection.client.listTools();
        // Calls in parallel need sockets of their own: each one is dialled without asking DNS again.
        const texts = ['a', 'b', 'c', 'd'];
        expect(await Promise.all(texts.map((text) => echo(connection, text)))).toEqual(texts);
      } finally {
        await connection.close();
      }
      expect(sample.stats().connectionsAccepted - accepted).toBeGreaterThan(2);
      expect(resolver.calls).toBe(1);
      expect(dialGuard.heldHosts()).toBe(0);
    },
  );

  it('checks again for the next connection, and refuses it when the name now points at metadata', async () => {
    const resolver = rebinding('127.0.0.1', METADATA);
    const connector = new UpstreamConnector(guard(resolver));
    const target = targetAt(viaHost(sample.url, NAME));
    await (await connector.connect(target, { timeoutMs: 2_000 })).close();
    const accepted = sample.stats().connectionsAccepted;

    const failure = await connector.connect(target, { timeoutMs: 2_000 }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as Error).message).toContain('link-local or cloud metadata');
    expect(resolver.calls).toBe(2);
    expect(sample.stats().connectionsAccepted).toBe(accepted);
  });

  it('refuses a name that resolves to metadata before any connection, naming the reason and no credential', async () => {
    const resolver = rebinding(METADATA, '127.0.0.1');
    const url = viaHost(sample.url, NAME).replace('//', '//probe:hunter2-secret@') + '?api_key=CANARY123';
    const before = sample.stats().connectionsAccepted;

    const failure = await new UpstreamConnector(guard(resolver))
      .connect(targetAt(url), { timeoutMs: 2_000 })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as Error).message).toContain('upstream address refused: must not target a link-local');
    expect((failure as Error).message).not.toMatch(/hunter2|CANARY123|probe:/);
    expect(resolver.calls).toBe(1);
    expect(sample.stats().connectionsAccepted).toBe(before);
  });

  it('checks an IP-literal host without resolving it', async () => {
    const resolver = rebinding('127.0.0.1', '127.0.0.1');
    await expect(
      new UpstreamConnector(guard(resolver, { blockPrivate: true })).connect(targetAt(sample.url), {
        timeoutMs: 2_000,
      }),
    ).rejects.toThrow(/loopback, private or unspecified/);
    const connection = await new UpstreamConnector(guard(resolver)).connect(targetAt(sample.url), {
      timeoutMs: 2_000,
    });
    await connection.close();
    expect(resolver.calls).toBe(0);
  });

  it('never hands a socket an IP literal the policy refuses, even past open()', async () => {
    const strict = guard(rebinding('127.0.0.1', '127.0.0.1'), { blockPrivate: true });
    // A documentation-range literal passes the check; its fetch is then pointed at a refused one.
    const { fetch } = await strict.open(new URL('http://[2001:db8::1]/mcp'));
    const before = sample.stats().connectionsAccepted;

    const failure = await fetch(sample.url).catch((e: unknown) => e);

    expect((failure as Error & { cause?: Error }).cause?.message).toMatch(/loopback, private or unspecified/);
    expect(sample.stats().connectionsAccepted).toBe(before);
  });

  it('follows a same-origin redirect through the same checked answer', async () => {
    const moved = await startMovedUpstream();
    try {
      const resolver = rebinding('127.0.0.1', METADATA);
      const url = `http://${NAME}:${moved.port}/legacy`;
      const connection = await new UpstreamConnector(guard(resolver)).connect(targetAt(url), { timeoutMs: 2_000 });
      await connection.client.listTools();
      await connection.close();
      expect(moved.redirected()).toBeGreaterThan(0);
      expect(resolver.calls).toBe(1);
    } finally {
      await moved.close();
    }
  });

  describe('with two servers on one port, at 127.0.0.2 and 127.0.0.1', () => {
    let checked: SampleServer;
    let other: SampleServer;
    beforeAll(async () => {
      [checked, other] = await twoServersOnOnePort();
    });
    afterAll(async () => {
      await Promise.all([checked.close(), other.close()]);
    });

    it.each(['streamablehttp', 'sse'] as const)(
      'reaches only the server at the address checked (%s)',
      async (transport) => {
        const resolver = rebinding('127.0.0.2', '127.0.0.1');
        const url = viaHost(transport === 'sse' ? checked.sseUrl : checked.url, NAME);
        const connection = await new UpstreamConnector(guard(resolver)).connect(targetAt(url, transport), {
          timeoutMs: 2_000,
        });
        try {
          // In parallel, so several sockets are dialled: every one of them reaches the checked address.
          const answers = await Promise.all(
            [1, 2, 3, 4].map(() => connection.client.callTool({ name: 'whoami', arguments: {} })),
          );
          expect(answers.map((a) => (a.content as { text: string }[])[0]?.text)).toEqual(Array(4).fill('checked'));
        } finally {
          await connection.close();
        }
        expect(resolver.calls).toBe(1);
        expect(checked.stats().connectionsAccepted).toBeGreaterThan(1);
        expect(other.stats().connectionsAccepted).toBe(0);
      },
    );
  });

  describe('over TLS', () => {
    let dir: string;
    let byName: { key: string; cert: string };
    let byAddress: { key: string; cert: string };
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'dial-guard-tls-'));
      byName = selfSigned(dir, 'by-name', NAME, `DNS:${NAME}`);
      byAddress = selfSigned(dir, 'by-address', 'elsewhere.test', 'IP:127.0.0.1');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('verifies the certificate against the host name while dialling the checked address', async () => {
      const server = await startSampleServer({ name: 'secure', tls: byName });
      try {
        const resolver = rebinding('127.0.0.1', METADATA);
        const tlsGuard = guard(resolver, open, { tls: { ca: [byName.cert, byAddress.cert] } });
        const connection = await new UpstreamConnector(tlsGuard).connect(targetAt(viaHost(server.url, NAME)), {
          timeoutMs: 2_000,
        });
        expect(await echo(connection, 'sealed')).toBe('sealed');
        await connection.close();
        expect(resolver.calls).toBe(1);
      } finally {
        await server.close();
      }
    });

    it('refuses a certificate that matches only the dialled address, not the name', async () => {
      const server = await startSampleServer({ name: 'impostor', tls: byAddress });
      try {
        const tlsGuard = guard(rebinding('127.0.0.1', METADATA), open, { tls: { ca: [byName.cert, byAddress.cert] } });
        const failure = await new UpstreamConnector(tlsGuard)
          .connect(targetAt(viaHost(server.url, NAME)), { timeoutMs: 2_000 })
          .catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(UpstreamError);
        expect((failure as Error).message).toMatch(/altnames/);
        expect(server.stats().sessionsOpened).toBe(0);
      } finally {
        await server.close();
      }
    });
  });

  describe('sockets', () => {
    it('pools sockets across connections and leaves none behind once closed and shut down', async () => {
      await waitUntil(() => sample.stats().connectionsOpen === 0, 2_000, 'earlier tests’ sockets to close');
      const dialGuard = guard(async () => ['127.0.0.1']);
      const connector = new UpstreamConnector(dialGuard);
      const before = sample.stats().connectionsAccepted;
      for (let i = 0; i < 5; i += 1) {
        for (const transport of ['streamablehttp', 'sse'] as const) {
          const url = viaHost(transport === 'sse' ? sample.sseUrl : sample.url, NAME);
          const connection = await connector.connect(targetAt(url, transport), { timeoutMs: 2_000 });
          await echo(connection, `round ${i}`);
          await connection.close();
        }
      }
      // Ten connections, each with a stream of its own (closed with it): fewer sockets than that means
      // some were reused, and only a few idle pooled ones stay open afterwards (a leak would keep ten).
      expect(sample.stats().connectionsAccepted - before).toBeLessThan(10);
      expect(sample.stats().connectionsOpen).toBeLessThan(5);
      expect(dialGuard.heldHosts()).toBe(0);

      await dialGuard.close();
      await waitUntil(() => sample.stats().connectionsOpen === 0, 2_000, 'the pooled sockets to close');
    });

    it('closes the dispatcher when the gateway shuts down (after the pool has closed its sessions)', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          AppConfigModule.forRoot(testAppConfig()),
          McpModule.register({ catalog: { useValue: new MemoryUpstreamCatalog() } }),
        ],
      }).compile();
      await moduleRef.init();
      const pool = moduleRef.get(McpSessionPool);
      const moduleGuard = moduleRef.get<AddressDialGuard>(DIAL_GUARD);
      const close = jest.spyOn(moduleGuard, 'close');
      await pool.withSession(targetAt(sample.url), ANONYMOUS_IDENTITY, (session) =>
        session.callTool({ name: 'echo', arguments: { text: 'pooled' } }),
      );
      expect(sample.stats().connectionsOpen).toBeGreaterThan(0);

      await moduleRef.close();

      expect(close).toHaveBeenCalled();
      await waitUntil(() => sample.stats().connectionsOpen === 0, 2_000, 'the gateway’s sockets to close');
    });
  });
});

/** Two sample servers on one port: `checked` at 127.0.0.2, `other` at 127.0.0.1. */
async function twoServersOnOnePort(): Promise<[SampleServer, SampleServer]> {
  for (let attempt = 0; ; attempt += 1) {
    const checked = await startSampleServer({ name: 'checked', host: '127.0.0.2' });
    try {
      return [checked, await startSampleServer({ name: 'other', host: '127.0.0.1', port: checked.port })];
    } catch (error) {
      await checked.close();
      if (attempt === 4) throw error; // the port was taken on 127.0.0.1; try another
    }
  }
}

/** A self-signed certificate for `subjectAltName`, trusted by the tests as its own CA. */
function selfSigned(dir: string, name: string, cn: string, subjectAltName: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=${subjectAltName}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A stateless MCP server whose old path `/legacy` redirects (307) to `/mcp` on the same origin. */
async function startMovedUpstream(): Promise<{ port: number; redirected(): number; close(): Promise<void> }> {
  let redirects = 0;
  const http: HttpServer = createServer((req, res) => {
    if (req.url?.startsWith('/legacy')) {
      redirects += 1;
      res.writeHead(307, { location: '/mcp' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const server = new McpServer({ name: 'moved', version: '1.0.0' }, { capabilities: { tools: {} } });
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', () => void server.close());
        await server.connect(transport);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
        await transport.handleRequest(req, res, body);
      })();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    redirected: () => redirects,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
