/**
 * `npm run demo`: sample upstream MCP servers behind one gateway, skewed traffic through `/mcp`,
 * and the hot/cold classification with the tool discoveries it saves, live in the terminal.
 *
 * DEMO_SECONDS (default 60) is how long the traffic runs; halfway through it moves to other
 * servers. Ctrl-C stops early and still shuts everything down and prints the summary.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { upstreamSlug } from '../apps/gateway/src/mcp/tool-names';
import { startSampleServer, type SampleServer } from '../apps/gateway/test/support/sample-mcp-server';
import { AdminApi, type ClassificationView } from './demo/admin-api';
import { buildIsStale, entryPath } from './build-if-stale';
import { runBuild } from './demo/build';
import { startGateway, type GatewayProcess } from './demo/gateway-process';
import { ZipfTraffic } from './demo/traffic';
import { bold, dim, renderSnapshot, renderSummary, type ServerRow } from './demo/view';

const ROOT = resolve(__dirname, '..');
const MAIN_JS = entryPath(ROOT);

const SERVER_NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const INTERVAL_SECONDS = 5;
const COLD_MULTIPLIER = 3;
// Discovery rounds run every min(interval, health interval): a divisor of the interval keeps
// hot servers at exactly 5s and cold ones at 15s.
const HEALTH_CHECK_SECONDS = 2.5;
const HOT_RATIO = 0.2;
const TABLE_EVERY_SECONDS = 5;
const CALLS_PER_SECOND = 40;
const ZIPF_EXPONENT = 1.5;
const BURST_LENGTH = 10;
const GATEWAY_START_TIMEOUT_MS = 30_000;
const GATEWAY_STOP_TIMEOUT_MS = 15_000;
const TOOLS_TIMEOUT_MS = 30_000;

// Every variable the gateway reads: a developer's shell (say REDIS_URL) must not change the demo.
const GATEWAY_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'ADMIN_TOKEN',
  'INSTANCE_ID',
  'HOT_COLD_CLASSIFICATION_ENABLED',
  'GATEWAY_AUTO_REFRESH_INTERVAL',
  'HOT_SERVER_RATIO',
  'COLD_INTERVAL_MULTIPLIER',
  'AUTO_REFRESH_SERVERS',
  'HEALTH_CHECK_INTERVAL',
  'POLL_CONCURRENCY',
  'UPSTREAM_TIMEOUT_MS',
  'SESSION_POOL_MAX_PER_KEY',
  'SESSION_IDLE_TTL',
  'SESSION_MAX_AGE',
  'UPSTREAM_BLOCK_PRIVATE',
  'SHUTDOWN_GRACE_MS',
  'LOG_LEVEL',
];

class Interrupted extends Error {}

function parseSeconds(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 60;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 10 || value > 3600) {
    throw new Error(`DEMO_SECONDS must be a whole number of seconds between 10 and 3600 (got "${raw}")`);
  }
  return value;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function firstText(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('content' in result) || !Array.isArray(result.content))
    return undefined;
  const first: unknown = result.content[0];
  return typeof first === 'object' && first !== null && 'text' in first && typeof first.text === 'string'
    ? first.text
    : undefined;
}

/** Resources in the order they were acquired; released in reverse, each at most once. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  async runAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`Could not ${step.name}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
}

async function main(): Promise<number> {
  let demoSeconds: number;
  try {
    demoSeconds = parseSeconds(process.env.DEMO_SECONDS);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const stop = new AbortController();
  let gateway: GatewayProcess | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      say(dim(`\n${signal}: stopping (again to force)`));
      stop.abort();
      return;
    }
    gateway?.killNow();
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  // Whatever happens to the demo, the gateway must not outlive it.
  process.on('exit', () => gateway?.killNow());

  const checkStop = (): void => {
    if (stop.signal.aborted) throw new Interrupted();
  };
  const pause = (ms: number): Promise<void> =>
    delay(Math.max(0, ms), undefined, { signal: stop.signal }).catch(() => undefined);

  const teardown = new Teardown();
  const hotCap = Math.floor(HOT_RATIO * SERVER_NAMES.length);
  let summaryText: string | undefined;
  let gatewayFailed = false;

  try {
    say(
      bold(
        `MCP gateway demo: ${SERVER_NAMES.length} sample upstreams, skewed traffic through /mcp for ${demoSeconds}s`,
      ),
    );
    if (buildIsStale(ROOT)) {
      say(dim('Building the gateway (npm run build) ...'));
      // Ctrl-C reaches the build too; report that as the interruption it is.
      await runBuild(ROOT).catch((error: unknown) => {
        checkStop();
        throw error;
      });
    }
    checkStop();

    const starting = await Promise.allSettled(
      SERVER_NAMES.map((name) => startSampleServer({ name, host: '127.0.0.1', tools: ['whoami', 'echo', 'add'] })),
    );
    const servers: SampleServer[] = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    teardown.add('close the sample servers', async () => {
      await Promise.all(servers.map((s) => s.close()));
    });
    const notStarted = starting.find((s) => s.status === 'rejected');
    if (notStarted) {
      const reason: unknown = notStarted.reason;
      throw reason instanceof Error ? reason : new Error(`a sample server did not start: ${String(reason)}`);
    }
    say(
      `  upstreams   ${servers.length} sample MCP servers on 127.0.0.1, ports ${servers.map((s) => s.port).join(', ')}`,
    );
    checkStop();

    const dataDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-demo-'));
    teardown.add('remove the temporary database', async () => rmSync(dataDir, { recursive: true, force: true }));
    const adminToken = randomBytes(24).toString('base64url');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of GATEWAY_VARIABLES) delete env[name];
    Object.assign(env, {
      NO_COLOR: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dataDir, 'gateway.sqlite')}`,
      ADMIN_TOKEN: adminToken,
      GATEWAY_AUTO_REFRESH_INTERVAL: String(INTERVAL_SECONDS),
      COLD_INTERVAL_MULTIPLIER: String(COLD_MULTIPLIER),
      HOT_SERVER_RATIO: String(HOT_RATIO),
      HEALTH_CHECK_INTERVAL: String(HEALTH_CHECK_SECONDS),
      // The sample upstreams live on loopback.
      UPSTREAM_BLOCK_PRIVATE: 'false',
      SHUTDOWN_GRACE_MS: '3000',
    });
    gateway = await startGateway(MAIN_JS, ROOT, env, GATEWAY_START_TIMEOUT_MS);
    const started = gateway;
    let gatewayExit = 'not stopped';
    teardown.add('stop the gateway', async () => {
      const status = await started.stop(GATEWAY_STOP_TIMEOUT_MS);
      gatewayFailed = status.code !== 0;
      gatewayExit =
        status.code === 0
          ? 'stopped on SIGTERM, exit code 0'
          : `stopped with ${status.code !== null ? `exit code ${status.code}` : status.signal}`;
    });
    say(
      `  gateway     ${started.baseUrl} (pid ${started.pid}, SQLite in ${dataDir}; discovery every ${INTERVAL_SECONDS}s ` +
        `hot / ${INTERVAL_SECONDS * COLD_MULTIPLIER}s cold, health checks every ${HEALTH_CHECK_SECONDS}s)`,
    );
    checkStop();

    const api = new AdminApi(started.baseUrl, adminToken);
    const registeredAt: number[] = [];
    const gatewayIds: string[] = [];
    for (const server of servers) {
      const { id } = await api.register(server.name, server.url);
      gatewayIds.push(id);
      registeredAt.push(Date.now());
    }

    const client = new Client({ name: 'gateway-demo', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${started.baseUrl}/mcp`)));
    teardown.add('close the MCP client', () => client.close());
    const toolNames = servers.map((s) => `${upstreamSlug(s.name)}__whoami`);
    const toolsDeadline = Date.now() + TOOLS_TIMEOUT_MS;
    let federated = 0;
    for (;;) {
      const listed = new Set((await client.listTools()).tools.map((t) => t.name));
      federated = listed.size;
      if (toolNames.every((name) => listed.has(name))) break;
      if (Date.now() > toolsDeadline)
        throw new Error(`the gateway did not federate every upstream's tools within ${TOOLS_TIMEOUT_MS} ms`);
      await pause(300);
      checkStop();
    }
    say(`  registered  ${servers.length} upstreams through /gateways; /mcp lists ${federated} tools`);

    const send = async (index: number): Promise<boolean> => {
      const result = await client.callTool({ name: toolNames[index] ?? '', arguments: {} }, undefined, {
        timeout: 10_000,
      });
      // whoami names the upstream that answered: a call routed anywhere else counts as failed.
      return result.isError !== true && firstText(result) === servers[index]?.name;
    };
    const firstOrder = servers.map((_, i) => i);
    const secondOrder = [...firstOrder].reverse();
    const traffic = new ZipfTraffic(
      {
        servers: servers.length,
        ratePerSecond: CALLS_PER_SECOND,
        exponent: ZIPF_EXPONENT,
        steadyRanks: Math.max(1, hotCap),
        burstLength: BURST_LENGTH,
      },
      send,
      firstOrder,
    );
    teardown.add('stop the traffic', () => traffic.stop());
    const names = (indexes: readonly number[]): string => indexes.map((i) => servers[i]?.name ?? '?').join(', ');
    const shiftAt = Math.round(demoSeconds / 2);
    say(
      `  traffic     ~${CALLS_PER_SECOND} calls/s, Zipf (s=${ZIPF_EXPONENT}) by rank; the ${hotCap} busiest steadily, ` +
        `the rest in bursts of ${BURST_LENGTH}; at most ${hotCap} of ${servers.length} can be hot`,
    );
    say(
      `  phase 1     busiest: ${names(traffic.busiest())}; at t=${shiftAt}s the traffic moves to ${names(secondOrder.slice(0, hotCap))}`,
    );
    say(
      dim(
        `  (every ${INTERVAL_SECONDS}s the gateway makes the ${hotCap} most recently used servers hot, so a server ` +
          'in the middle of a burst can be hot for one cycle)',
      ),
    );

    const trafficStart = Date.now();
    traffic.start();
    let phase = `phase 1, busiest: ${names(traffic.busiest())}`;
    let previousCalls = traffic.callsPerServer();
    let shifted = false;
    let previousAt = 0;
    let lastView: ClassificationView | undefined;

    const rows = (view: ClassificationView, calls: number[], previous: number[]): ServerRow[] =>
      servers.map((server, i) => {
        const entry = view.servers.find((s) => s.gateways.some((g) => g.id === gatewayIds[i]));
        const next = entry?.gateways.find((g) => g.id === gatewayIds[i])?.nextDiscoveryAt;
        const stats = server.stats();
        return {
          name: server.name,
          serverClass: entry?.class ?? null,
          calls: calls[i] ?? 0,
          recentCalls: (calls[i] ?? 0) - (previous[i] ?? 0),
          discoveries: stats.methods['tools/list'] ?? 0,
          healthChecks: stats.methods.ping ?? 0,
          nextDiscoveryIn: next === undefined ? null : next === null ? 0 : (Date.parse(next) - Date.now()) / 1000,
        };
      });

    const tableTimes: number[] = [];
    for (let at = TABLE_EVERY_SECONDS; at < demoSeconds; at += TABLE_EVERY_SECONDS) tableTimes.push(at);
    tableTimes.push(demoSeconds);
    for (const at of tableTimes) {
      if (!shifted && at > shiftAt) {
        await pause(trafficStart + shiftAt * 1000 - Date.now());
        if (stop.signal.aborted) break;
        traffic.setOrder(secondOrder);
        shifted = true;
        phase = `phase 2, busiest: ${names(traffic.busiest())}`;
        say(
          bold(
            `\n>> t=${shiftAt}s: traffic moves to ${names(traffic.busiest())}; ${names(firstOrder.slice(0, hotCap))} now get occasional bursts`,
          ),
        );
      }
      await pause(trafficStart + at * 1000 - Date.now());
      if (stop.signal.aborted) break;
      const view = await api.classification();
      lastView = view;
      const calls = traffic.callsPerServer();
      const timestamp = view.metadata ? Date.parse(view.metadata.timestamp) : NaN;
      say(
        renderSnapshot({
          elapsedSeconds: (Date.now() - trafficStart) / 1000,
          phase,
          recentSeconds: at - previousAt,
          classifiedAgoSeconds: Number.isNaN(timestamp) ? null : (Date.now() - timestamp) / 1000,
          rows: rows(view, calls, previousCalls),
          discoveries: view.polls.tool_discovery,
          healthChecks: view.polls.health,
        }),
      );
      previousCalls = calls;
      previousAt = at;
    }

    await traffic.stop();
    const trafficSeconds = (Date.now() - trafficStart) / 1000;
    // Final counters, read before the gateway stops; should that read fail, the last table's are used.
    const finalView = await api.classification().catch(() => lastView);
    const endedAt = Date.now();
    const seenUpstream = servers.reduce((sum, s) => sum + (s.stats().methods['tools/list'] ?? 0), 0);
    const fixedInterval = registeredAt.reduce(
      (sum, at) => sum + 1 + Math.floor((endedAt - at) / 1000 / INTERVAL_SECONDS),
      0,
    );
    await teardown.runAll();
    const polls = finalView?.polls;
    const calls = traffic.callsPerServer();
    summaryText = renderSummary({
      trafficSeconds,
      servers: servers.length,
      intervalSeconds: INTERVAL_SECONDS,
      coldIntervalSeconds: INTERVAL_SECONDS * COLD_MULTIPLIER,
      callsSent: calls.reduce((a, b) => a + b, 0),
      callsFailed: traffic.failedCalls(),
      discoveriesPerformed: polls?.tool_discovery.performed ?? seenUpstream,
      discoveriesSeenUpstream: seenUpstream,
      discoveriesSkipped: polls?.tool_discovery.skipped ?? 0,
      discoveriesFailed: polls?.tool_discovery.failed ?? 0,
      fixedIntervalDiscoveries: fixedInterval,
      healthChecks: polls?.health.performed ?? 0,
      gatewayExit,
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) {
      process.stderr.write(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      const ended = gateway?.exitStatus();
      if (ended)
        process.stderr.write(
          `The gateway had exited (${ended.code !== null ? `exit code ${ended.code}` : ended.signal}).\n`,
        );
      const tail = gateway?.logTail() ?? [];
      if (tail.length > 0) process.stderr.write(`Last gateway output:\n${tail.map((l) => `  ${l}`).join('\n')}\n`);
    }
    await teardown.runAll();
    return error instanceof Interrupted ? 130 : 1;
  } finally {
    await teardown.runAll();
  }

  if (summaryText !== undefined) say(summaryText);
  if (gatewayFailed) {
    process.stderr.write('The gateway did not exit cleanly.\n');
    return 1;
  }
  say(dim('Everything stopped: gateway, sample servers, temporary database removed.'));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
