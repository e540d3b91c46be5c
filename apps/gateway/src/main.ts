import 'reflect-metadata';
import { errorMessage } from '@app/common';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { ConfigError, loadAppConfig, type AppConfig } from './config/app-config';
import { GracefulShutdown } from './lifecycle/graceful-shutdown';
import { useJsonBodies } from './http/json-body';
import {
  describeAccess,
  loadMcpAuthSettings,
  mcpAuthMessages,
  needsGeneratedToken,
  startupNotes,
  useMcpAccessControl,
  type McpAuthSettings,
} from './mcp-auth';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  let access: McpAuthSettings;
  try {
    config = loadAppConfig(process.env);
    access = loadMcpAuthSettings(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const generatedToken = config.adminToken === undefined;
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  // Beyond loopback with no client auth configured, MCP clients need a token too.
  const mcpToken = needsGeneratedToken(access.clientAuth) ? randomBytes(24).toString('base64url') : undefined;
  const mcp = mcpToken === undefined ? config.mcp : { ...config.mcp, auth: { ...config.mcp.auth, tokens: mcpToken } };
  if (mcpToken !== undefined) access = loadMcpAuthSettings({ host: config.host, mcp });

  const app = await NestFactory.create(AppModule.forRoot({ ...config, adminToken, mcp }), {
    logger: logLevels(process.env.LOG_LEVEL),
    // Idle keep-alive connections would otherwise hold the HTTP server (and shutdown) open.
    forceCloseConnections: true,
    bodyParser: false,
  });
  // Host/Origin and client auth first: a refused MCP request's body is never parsed.
  useMcpAccessControl(app);
  useJsonBodies(app);
  handleShutdownSignals(app, config.shutdownGraceMs);
  await app.listen(config.port, config.host);

  const logger = new Logger('Gateway');
  // PORT=0 asks the OS for a free port; report the one actually bound.
  const bound = app.getHttpServer().address() as AddressInfo;
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${bound.port}`;
  logger.log(
    `Listening on ${address} (MCP endpoint ${address}/mcp, health ${address}/health, /health/live, /health/ready)`,
  );
  if (generatedToken) {
    // Printed once, to the operator's terminal; set ADMIN_TOKEN to keep a fixed token.
    logger.log(`Admin token (generated for this run; set ADMIN_TOKEN to fix it): ${adminToken}`);
  }
  logger.log(describeAccess(access));
  for (const note of startupNotes(access, config.host)) logger.warn(note);
  if (mcpToken !== undefined) logger.log(mcpAuthMessages.generatedToken(mcpToken));
}

/** Past the grace period plus this, something unbounded is holding the shutdown: exit 1 and say so. */
const BACKSTOP_MARGIN_MS = 1_000;

/**
 * SIGTERM/SIGINT mark the worker draining (/health/ready answers 503), then run Nest's shutdown
 * hooks in order, each step under its share of SHUTDOWN_GRACE_MS (lifecycle/shutdown-budget.ts):
 * pollers and classifier stop and release the leader lock, client calls in flight finish and
 * pooled sessions close, the HTTP server closes, then the database and Redis. A step that
 * overruns is left behind with one warning, so the process exits 0 within the grace period even
 * with Redis frozen or the database hung. Nest's enableShutdownHooks would re-raise the signal
 * afterwards, ending the process as killed.
 */
function handleShutdownSignals(app: INestApplication, graceMs: number): void {
  const logger = new Logger('Gateway');
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    app.get(GracefulShutdown).begin(signal);
    const backstopMs = graceMs + BACKSTOP_MARGIN_MS;
    const backstop = setTimeout(() => {
      logger.error(`Shutdown did not finish within ${backstopMs} ms; exiting`);
      process.exit(1);
    }, backstopMs);
    backstop.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${errorMessage(error)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

type Level = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
const LEVELS: Level[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** LOG_LEVEL=debug shows everything up to debug; unknown values fall back to log. */
function logLevels(level: string | undefined): Level[] {
  const index = LEVELS.indexOf((level ?? 'log') as Level);
  return LEVELS.slice(0, index === -1 ? 4 : index + 1);
}

bootstrap().catch((error: unknown) => {
  new Logger('Gateway').error(`Gateway failed to start: ${errorMessage(error)}`);
  process.exit(1);
});
