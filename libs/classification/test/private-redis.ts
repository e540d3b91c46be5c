import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

const running = new Set<ChildProcess>();

// A failed run must not leave a redis-server behind; the hook is held only while one runs.
const killLeftovers = (): void => {
  for (const child of running) child.kill('SIGKILL');
};

/**
 * A redis-server of one test's own, on a free loopback port, that the test may stop and start
 * again on the same port (an outage) or freeze (a hang), without touching the shared Redis.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.child) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    if (running.size === 0) process.on('exit', killLeftovers);
    running.add(this.child);
    const deadline = Date.now() + 10_000;
    while ((await this.ping().catch(() => '')) !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server and waits until it is gone (connections refused). */
  async down(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    running.delete(child);
    if (running.size === 0) process.off('exit', killLeftovers);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.down();
    await this.up();
  }

  /** SIGSTOP: the server keeps its connections but answers nothing (a hang, not a refusal). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** One inline PING over a raw socket: a client library would keep retrying a refused connection. */
  private ping(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      socket.setTimeout(1_000, () => socket.destroy(new Error('PING timed out')));
      socket.once('error', reject);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString('utf8').trim().replace(/^\+/, ''));
      });
    });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
