import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, escapeNonPrintable } from '@app/common';
import { stdioServerNameOf, type UpstreamTarget } from '@app/registry';
import { StdioStderrLog } from './stdio-stderr';
import { StdioServerCatalog, type StdioServerSpec } from './stdio-servers';

const logger = new Logger('StdioUpstream');

/**
 * Processes started and not closed yet. A shutdown step that overruns its budget is left behind
 * (a health check still connecting, say); the gateway then exits with these still running, so
 * they are sent SIGTERM on the way out rather than left to notice that stdin closed.
 */
const unclosed = new Set<number>();
const terminateUnclosed = (): void => {
  for (const pid of unclosed) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
};

function trackUnclosed(pid: number): void {
  if (unclosed.size === 0) process.on('exit', terminateUnclosed);
  unclosed.add(pid);
}

function untrackUnclosed(pid: number): void {
  if (!unclosed.delete(pid)) return;
  if (unclosed.size === 0) process.off('exit', terminateUnclosed);
}

/**
 * The SDK's stdio client transport for one allow-listed server: the command runs with its env
 * over the SDK's minimal inherited environment (getDefaultEnvironment), no shell; stderr is piped
 * into a line-limited debug log with the env values masked. Closing ends stdin, then SIGTERM,
 * then SIGKILL (the SDK's close), and resolves once the process is gone or was killed.
 */
export class StdioUpstreamTransport extends StdioClientTransport {
  readonly stderrLog: StdioStderrLog;
  private startedPid: number | null = null;
  /** Whether the process had already ended when close() was first called. */
  private endedOnItsOwn: boolean | undefined;

  constructor(private readonly spec: StdioServerSpec) {
    super({ command: spec.command, args: [...spec.args], env: { ...spec.env }, cwd: spec.cwd, stderr: 'pipe' });
    const label = `stdio server "${spec.name}"`;
    this.stderrLog = new StdioStderrLog(
      (line) => logger.debug(`${label}${this.pidLabel()} stderr: ${line}`),
      Object.values(spec.env),
    );
    // Piped before start, so nothing the process writes early is lost and the pipe never fills.
    const stderr = this.stderr;
    if (stderr instanceof Readable) this.stderrLog.attach(stderr);
  }

  override async start(): Promise<void> {
    if (this.spec.cwd !== undefined) await assertDirectory(this.spec.name, this.spec.cwd);
    try {
      await super.start();
    } catch (error) {
      // Spawn errors name the command and the system's reason (ENOENT, EACCES); no env, no args.
      throw new Error(`could not start stdio server "${this.spec.name}": ${this.stderrLog.mask(errorMessage(error))}`);
    }
    this.startedPid = this.pid;
    if (this.startedPid !== null) trackUnclosed(this.startedPid);
    logger.debug(`started stdio server "${this.spec.name}"${this.pidLabel()}`);
  }

  override async close(): Promise<void> {
    // The SDK forgets its process when it ends or when close begins: no pid now means it ended first.
    this.endedOnItsOwn ??= this.startedPid !== null && this.pid === null;
    await super.close();
    if (this.startedPid !== null) untrackUnclosed(this.startedPid);
    logger.debug(`stopped stdio server "${this.spec.name}"${this.pidLabel()}`);
  }

  /**
   * A failure while connecting, said plainly: a process that ended during start-up is reported as
   * such with the last lines of its stderr (masked); anything else is returned as it is.
   */
  explain(error: unknown): unknown {
    const ended = this.endedOnItsOwn ?? (this.startedPid !== null && this.pid === null);
    if (!ended) return error;
    const lines = this.stderrLog.lastLines();
    const said = lines.length === 0 ? 'no stderr output' : `stderr: ${lines.join(' | ')}`;
    return new McpError(
      ErrorCode.ConnectionClosed,
      `stdio server "${this.spec.name}" exited before completing the MCP handshake (${said})`,
    );
  }

  private pidLabel(): string {
    return this.startedPid === null ? '' : ` (pid ${this.startedPid})`;
  }
}

/**
 * The transport for a `stdio:<name>` upstream. Throws when the name is not (or no longer) in
 * the operator's STDIO_SERVERS: only the configuration decides what the gateway starts.
 */
export function openStdioTransport(
  target: UpstreamTarget,
  catalog: StdioServerCatalog | undefined,
): StdioUpstreamTransport {
  const name = stdioServerNameOf(target.connectionUrl);
  const known = catalog ?? new StdioServerCatalog();
  const spec = name === undefined ? undefined : known.get(name);
  if (spec === undefined) {
    const shown = name === undefined ? 'a malformed stdio URL' : `stdio server "${escapeNonPrintable(name)}"`;
    throw new Error(`${shown} is not configured (${known.describeAllowed()})`);
  }
  return new StdioUpstreamTransport(spec);
}

/** See StdioUpstreamTransport.explain; other transports' errors pass through. */
export function explainStdioFailure(transport: Transport | undefined, error: unknown): unknown {
  return transport instanceof StdioUpstreamTransport ? transport.explain(error) : error;
}

async function assertDirectory(name: string, path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) {
    // Checked here because spawn would blame the command ("spawn node ENOENT") for a missing cwd.
    throw new Error(`could not start stdio server "${name}": its cwd is not a directory: ${escapeNonPrintable(path)}`);
  }
}
