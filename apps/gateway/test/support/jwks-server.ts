import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A JSON Web Key Set served over HTTP, as an identity provider publishes it; counts its fetches. */
export class JwksServer {
  private fetchCount = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(keys: readonly JWK[]): Promise<JwksServer> {
    let owner: JwksServer | null = null;
    const server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      if (owner) owner.fetchCount += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    owner = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks.json`);
    return owner;
  }

  get fetches(): number {
    return this.fetchCount;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
