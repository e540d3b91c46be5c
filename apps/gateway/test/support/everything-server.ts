import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { unusedPort } from './upstream-fleet';

const ENTRY = resolve(__dirname, '../../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const START_TIMEOUT_MS = 15_000;
const LISTENING = /listening on port|running on port/i;

export type EverythingTransport = 'streamableHttp' | 'sse';

/** `@modelcontextprotocol/server-everything` in its own process, over Streamable HTTP or SSE. */
export class EverythingServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly transport: EverythingTransport,
  ) {}

  static async start(transport: EverythingTransport): Promise<EverythingServer> {
    const port = await unusedPort();
    const child = spawn(process.execPath, [ENTRY, transport], {
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`server-everything did not start:\n${output.join('')}`)),
        START_TIMEOUT_MS,
      );
      const seen = (chunk: Buffer): void => {
        output.push(chunk.toString('utf8'));
        if (LISTENING.test(output.join(''))) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout?.on('data', seen);
      child.stderr?.on('data', seen);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`server-everything exited (${String(code)}):\n${output.join('')}`));
      });
    });
    const path = transport === 'sse' ? '/sse' : '/mcp';
    return new EverythingServer(child, `http://127.0.0.1:${port}${path}`, transport);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** server-everything over Streamable HTTP, once it listens. */
export function startEverythingServer(): Promise<EverythingServer> {
  return EverythingServer.start('streamableHttp');
}
