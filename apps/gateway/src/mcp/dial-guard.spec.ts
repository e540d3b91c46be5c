import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { AddressDialGuard } from './dial-guard';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamError } from './upstream-error';
import type { UpstreamTarget } from '@app/registry';

const target = (url: string): UpstreamTarget => ({
  id: 'gw-1',
  name: 'one',
  url,
  connectionUrl: url,
  secretPath: false,
  transport: 'streamablehttp',
});

/** A name's answer as DNS gives it now, which may differ from what it was at registration. */
const resolvingTo = (address: string) => async (): Promise<string[]> => [address];

describe('Connecting to upstreams safely', () => {
  let sample: SampleServer;
  beforeAll(async () => {
    sample = await startSampleServer({ name: 'sample' });
  });
  afterAll(() => sample.close());

  it('refuses to dial a name that now resolves to a cloud metadata address', async () => {
    const guard = new AddressDialGuard({ blockPrivate: false }, resolvingTo('169.254.169.254'));
    const url = sample.url.replace('127.0.0.1', 'upstream.example');
    const failure = await new UpstreamConnector(guard)
      .connect(target(url), { timeoutMs: 2000 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as Error).message).toContain('link-local or cloud metadata');
  });

  it('refuses a private address when private upstreams are blocked, and dials it otherwise', async () => {
    const blocked = new AddressDialGuard({ blockPrivate: true }, resolvingTo('127.0.0.1'));
    await expect(new UpstreamConnector(blocked).connect(target(sample.url), { timeoutMs: 2000 })).rejects.toThrow(
      /loopback, private or unspecified/,
    );
    const allowed = new AddressDialGuard({ blockPrivate: false }, resolvingTo('127.0.0.1'));
    const connection = await new UpstreamConnector(allowed).connect(target(sample.url), { timeoutMs: 2000 });
    await connection.close();
  });

  it('does not follow an upstream’s redirect to another origin', async () => {
    const before = sample.stats().methods['initialize'] ?? 0;
    const redirector: HttpServer = createServer((_req, res) => {
      res.writeHead(307, { location: sample.url }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/mcp`;
    try {
      await expect(new UpstreamConnector().connect(target(url), { timeoutMs: 2000 })).rejects.toBeInstanceOf(
        UpstreamError,
      );
      expect(sample.stats().methods['initialize'] ?? 0).toBe(before);
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });
});
