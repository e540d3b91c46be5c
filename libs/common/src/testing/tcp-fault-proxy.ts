import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic: pass it, refuse every connection, or hold it without a byte through. */
export type ProxyMode = 'pass' | 'refuse' | 'hang';

/**
 * A loopback TCP proxy in front of a real service (PostgreSQL, Redis) that a test or the fault
 * harness switches between passing traffic, refusing connections and hanging them, so a real
 * client sees a real outage of either kind without touching the service itself.
 */
export class TcpFaultProxy {
  private modeNow: ProxyMode = 'pass';
  private readonly pairs = new Set<{ client: Socket; server: Socket | null }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number, listenPort = 0): Promise<TcpFaultProxy> {
    let proxy: TcpFaultProxy | undefined;
    const server = createServer((socket) => proxy?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    proxy = new TcpFaultProxy(server, (server.address() as AddressInfo).port, targetHost, targetPort);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  /**
   * `refuse` resets every open connection and every new one; `hang` freezes open connections
   * (bytes are held, never delivered) and accepts new ones that never reach the service;
   * `pass` resumes: held connections are reset (their protocol state is unknown) and new ones pass.
   */
  setMode(mode: ProxyMode): void {
    const previous = this.modeNow;
    this.modeNow = mode;
    if (mode === 'refuse' || (mode === 'pass' && previous === 'hang')) this.resetAll();
    if (mode === 'hang') {
      for (const pair of this.pairs) {
        pair.client.pause();
        pair.server?.pause();
      }
    }
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.modeNow === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const pair: { client: Socket; server: Socket | null } = { client, server: null };
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      pair.server?.destroy();
    };
    client.on('error', drop).on('close', drop);
    if (this.modeNow === 'hang') {
      client.pause();
      return;
    }
    const server = connect(this.targetPort, this.targetHost);
    pair.server = server;
    server.on('error', drop).on('close', drop);
    client.pipe(server);
    server.pipe(client);
  }

  private resetAll(): void {
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.server?.destroy();
    }
    this.pairs.clear();
  }
}
