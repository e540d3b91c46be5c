import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { entryPath } from '../../scripts/build-if-stale';
import { startGateway } from '../../scripts/demo/gateway-process';

const ROOT = join(__dirname, '../..');
const SAMPLE_SERVER = join(ROOT, 'apps/gateway/test/support/sample-mcp-server.ts');
const START_TIMEOUT_MS = 60_000;

/** The echo upstream: the SDK's McpServer over Streamable HTTP, in a process of its own. */
export interface UpstreamProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startUpstream(name: string): Promise<UpstreamProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', SAMPLE_SERVER, '--port', '0', '--name', name, '--tools', 'echo'],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the echo upstream did not start in time')), START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected first line from the echo upstream: ${line.slice(0, 200)}`));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the echo upstream exited during start-up: ${stderr.join('').slice(-500)}`));
    });
  });
  return { url, pid: child.pid ?? -1, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = delay(10_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, killed]);
}

/** A built gateway as users run it (`node .`), on loopback, SQLite in a temp dir, no Redis, MCP auth off. */
export interface BenchGateway {
  readonly baseUrl: string;
  readonly pid: number;
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Stops the gateway (SIGTERM: a CPU profile, when asked for, is written on the way out). */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Write a V8 CPU profile into this directory when the gateway exits. */
  cpuProfileDir?: string;
  /** Extra variables (e.g. MCP_SESSIONS=stateless), passed through as given. */
  env?: Record<string, string>;
}


export async function startBenchGateway(options: GatewayOptions = {}): Promise<BenchGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
  const adminToken = `bench-${randomBytes(12).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dataDir, 'gateway.sqlite')}`,
    ADMIN_TOKEN: adminToken,
    MCP_AUTH_DISABLED: 'true',
    // Polling off the measured path: one health check and discovery at registration, then quiet.
    HEALTH_CHECK_INTERVAL: '3600',
    GATEWAY_AUTO_REFRESH_INTERVAL: '3600',
    ...options.env,
  };
  // --cpu-prof is refused in NODE_OPTIONS: it goes on the command line.
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const cleanUp = (): void => rmSync(dataDir, { recursive: true, force: true });
  const gateway = await startGateway(entryPath(ROOT), ROOT, env, START_TIMEOUT_MS, nodeArgs).catch((error: unknown) => {
    cleanUp();
    throw error;
  });
  const baseUrl = gateway.baseUrl;
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
  return {
    baseUrl,
    pid: gateway.pid,
    admin,
    async stop() {
      const { code } = await gateway.stop(20_000);
      cleanUp();
      if (code !== 0) throw new Error(`the gateway exited with code ${code}: ${gateway.logTail().join('\n')}`);
    },
  };
}
