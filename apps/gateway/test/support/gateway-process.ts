import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { entryPath } from '../../../../scripts/build-if-stale';

export const REPO_ROOT = resolve(__dirname, '../../../..');
/** The entry point `npm start` runs (package.json's "main"), built once per e2e run by the global setup. */
export const GATEWAY_MAIN = entryPath(REPO_ROOT);

/** Short intervals so hot/cold behaviour shows within seconds (hot every 2 s, cold every 6 s). */
export const FAST_POLLING_ENV: Readonly<Record<string, string>> = {
  GATEWAY_AUTO_REFRESH_INTERVAL: '2',
  HEALTH_CHECK_INTERVAL: '1',
  UPSTREAM_TIMEOUT_MS: '1500',
  SHUTDOWN_GRACE_MS: '2000',
};

// Only what Node needs to run; the test runner's own environment must not leak into the gateway.
const INHERITED_VARS = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
const START_TIMEOUT_MS = 20_000;
const LISTENING = /Listening on (http:\/\/\S+?) \(/;
const GENERATED_TOKEN = /Admin token \(generated[^)]*\): (\S+)/;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayStartOptions {
  /** Shown in failure messages, to tell workers apart. */
  label?: string;
  /** Variables on top of PORT=0, HOST, ADMIN_TOKEN and NO_COLOR. DATABASE_URL is required. */
  env: Readonly<Record<string, string>> & { DATABASE_URL: string };
  /** Start without ADMIN_TOKEN, as `npm start` does, and take the token the gateway prints. */
  generatedAdminToken?: boolean;
}

const running = new Set<GatewayProcess>();

// A failed or interrupted run must not leave gateways behind. The hook is held only while
// gateways run, so spec files that share one process do not pile up exit listeners.
const killLeftovers = (): void => {
  for (const gateway of running) gateway.kill();
};

function track(gateway: GatewayProcess): void {
  if (running.size === 0) process.on('exit', killLeftovers);
  running.add(gateway);
}

function untrack(gateway: GatewayProcess): void {
  running.delete(gateway);
  if (running.size === 0) process.off('exit', killLeftovers);
}

/** The gateway as its users run it: `node .` (package.json's "main") with its own environment. */
export class GatewayProcess {
  readonly exited: Promise<ExitInfo>;
  private readonly chunks: string[] = [];
  private exit: ExitInfo | null = null;
  private baseUrlValue: string | null = null;

  private constructor(
    readonly label: string,
    private readonly givenToken: string | null,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.chunks.push(chunk.toString('utf8'));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // 'close' rather than 'exit': it comes after the last output has been read from the pipes.
    this.exited = new Promise<ExitInfo>((done) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        untrack(this);
        done(this.exit);
      });
    });
  }

  static async start(options: GatewayStartOptions): Promise<GatewayProcess> {
    const chosenToken = options.generatedAdminToken
      ? undefined
      : (options.env['ADMIN_TOKEN'] ?? `e2e-admin-${randomBytes(12).toString('hex')}`);
    const child = spawnGateway(chosenToken === undefined ? options.env : { ...options.env, ADMIN_TOKEN: chosenToken });
    const gateway = new GatewayProcess(options.label ?? 'gateway', chosenToken ?? null, child);
    track(gateway);
    try {
      await gateway.waitForListening();
    } catch (error) {
      gateway.kill();
      throw error;
    }
    return gateway;
  }

  /** The token the admin API takes: the one given, or the one the gateway printed at start. */
  get adminToken(): string {
    if (this.givenToken !== null) return this.givenToken;
    const printed = GENERATED_TOKEN.exec(this.output())?.[1];
    if (printed === undefined) throw new Error(`${this.label} printed no admin token`);
    return printed;
  }

  get baseUrl(): string {
    if (this.baseUrlValue === null) throw new Error(`${this.label} is not listening`);
    return this.baseUrlValue;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} has no pid`);
    return this.child.pid;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  output(): string {
    return this.chunks.join('');
  }

  exitInfo(): ExitInfo | null {
    return this.exit;
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs` so no process outlives a test. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitInfo & { ms: number }> {
    const started = Date.now();
    if (this.exit === null) this.child.kill(signal);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      const exit = await this.exited;
      return { ...exit, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.exit === null) this.child.kill('SIGKILL');
  }

  private async waitForListening(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const match = LISTENING.exec(this.output());
      if (match) {
        this.baseUrlValue = match[1];
        return;
      }
      if (this.exit !== null) {
        throw new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before listening:\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.label} did not report listening within ${START_TIMEOUT_MS} ms:\n${this.output()}`);
  }
}

/** Runs the gateway with `env` until it exits by itself (a start-up that must fail), SIGKILL after `timeoutMs`. */
export async function runGatewayToExit(
  env: Readonly<Record<string, string>>,
  timeoutMs = 15_000,
): Promise<ExitInfo & { output: string }> {
  const child = spawnGateway(env);
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await new Promise<ExitInfo>((done) => child.once('close', (code, signal) => done({ code, signal })));
    return { ...exit, output: chunks.join('') };
  } finally {
    clearTimeout(timer);
  }
}

function spawnGateway(vars: Readonly<Record<string, string>>): ChildProcess {
  const env: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' };
  for (const name of INHERITED_VARS) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, vars);
  return spawn(process.execPath, [GATEWAY_MAIN], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Stops every gateway still running (SIGKILL if SIGTERM is not enough); for afterAll/afterEach. */
export async function stopAllGateways(): Promise<void> {
  await Promise.all([...running].map((gateway) => gateway.stop('SIGTERM', 5_000)));
}
