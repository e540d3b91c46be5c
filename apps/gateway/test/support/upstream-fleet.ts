import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSampleServer, type SampleServer } from './sample-mcp-server';

/** Sample upstream MCP servers started by one spec file, closed together in afterAll. */
export class UpstreamFleet {
  private readonly servers: SampleServer[] = [];
  private readonly proxies: { close(): Promise<void> }[] = [];

  async start(name: string, tools?: readonly string[]): Promise<SampleServer> {
    const server = await startSampleServer({ name, tools });
    this.servers.push(server);
    return server;
  }

  async startMany(names: readonly string[]): Promise<SampleServer[]> {
    return Promise.all(names.map((name) => this.start(name)));
  }

  async guard(target: SampleServer, credentials: ExpectedCredentials): Promise<CredentialCheckingProxy> {
    const proxy = await CredentialCheckingProxy.start(target, credentials);
    this.proxies.push(proxy);
    return proxy;
  }

  /** A proxy serving `target` under `/<key>/mcp` only: an API key in the path. */
  async pathGuard(target: SampleServer, key: string): Promise<SecretPathProxy> {
    const proxy = await SecretPathProxy.start(target, key);
    this.proxies.push(proxy);
    return proxy;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.proxies.map((p) => p.close()), ...this.servers.map((s) => s.close())]);
    this.proxies.length = 0;
    this.servers.length = 0;
  }
}

/** How many `tools/list` requests (tool discoveries) a sample server has answered so far. */
export function toolListCount(server: SampleServer): number {
  return server.stats().methods['tools/list'] ?? 0;
}

/** A loopback port nothing listens on (bound once, then released): an upstream that is down. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ExpectedCredentials {
  apiKey: string;
  user: string;
  password: string;
}

/**
 * A reverse proxy in front of a sample server that admits only requests carrying the registered
 * credentials (`?api_key=` and HTTP Basic from `user:pass@`), so a test can tell the gateway
 * really sends them upstream while it keeps them out of everything it shows.
 */
export class CredentialCheckingProxy {
  accepted = 0;
  rejected = 0;
  /** While on, every request is refused as if its credentials were wrong (an upstream revoking access). */
  refuseAll = false;

  private constructor(
    private readonly http: Server,
    readonly port: number,
  ) {}

  static async start(target: SampleServer, expected: ExpectedCredentials): Promise<CredentialCheckingProxy> {
    const basic = `Basic ${Buffer.from(`${expected.user}:${expected.password}`).toString('base64')}`;
    let proxy: CredentialCheckingProxy | undefined;
    const http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      const admitted = url.searchParams.get('api_key') === expected.apiKey && req.headers['authorization'] === basic;
      if (!admitted || proxy?.refuseAll) {
        if (proxy) proxy.rejected += 1;
        // Echoes what it was sent, as careless servers do, so error texts carry the credentials back.
        const error = `bad credentials for ${req.url ?? ''} (${req.headers['authorization'] ?? 'no authorization'})`;
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
        return;
      }
      if (proxy) proxy.accepted += 1;
      forward(req, res, target, url.pathname);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    proxy = new CredentialCheckingProxy(http, (http.address() as AddressInfo).port);
    return proxy;
  }

  /** The upstream URL to register, credentials included. */
  urlWith(credentials: ExpectedCredentials): string {
    const user = encodeURIComponent(credentials.user);
    const password = encodeURIComponent(credentials.password);
    return `http://${user}:${password}@127.0.0.1:${this.port}/mcp?api_key=${encodeURIComponent(credentials.apiKey)}`;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/**
 * A reverse proxy in front of a sample server that serves it under `/<key>/mcp` only, as hosted
 * MCP servers with the API key in the path do. Any other path is answered 404 with the path echoed
 * back, as careless servers do, so error texts carry the key back.
 */
export class SecretPathProxy {
  accepted = 0;
  rejected = 0;

  private constructor(
    private readonly http: Server,
    readonly port: number,
  ) {}

  static async start(target: SampleServer, key: string): Promise<SecretPathProxy> {
    let proxy: SecretPathProxy | undefined;
    const http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      if (url.pathname !== `/${key}/mcp`) {
        if (proxy) proxy.rejected += 1;
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no such path ${req.url ?? ''}`);
        return;
      }
      if (proxy) proxy.accepted += 1;
      forward(req, res, target, `/mcp${url.search}`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    proxy = new SecretPathProxy(http, (http.address() as AddressInfo).port);
    return proxy;
  }

  /** The upstream URL to register: the key in the path. */
  urlWith(key: string): string {
    return `http://127.0.0.1:${this.port}/${key}/mcp`;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** Passes one request through to the sample server at `path`, streaming both ways. */
function forward(req: IncomingMessage, res: ServerResponse, target: SampleServer, path: string): void {
  const upstream = request(
    { host: '127.0.0.1', port: target.port, method: req.method, path, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
