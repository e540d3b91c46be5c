/**
 * `npm run bench:proxy`: what the gateway costs over a direct connection. One `echo` upstream (the
 * SDK's McpServer over Streamable HTTP, in its own process), built gateways (SQLite, no Redis, MCP
 * auth off, loopback), and four ways of calling echo, measured side by side in rotated order:
 *   a  direct: an SDK Client to the upstream
 *   b  gateway /mcp stateless: raw JSON-RPC POSTs, no initialize, no session id (a gateway with MCP_SESSIONS=stateless)
 *   c  gateway /mcp with an SDK Client (stateful when the endpoint hands out sessions)
 *   d  gateway /servers/echo/mcp with an SDK Client ("n/a" while that endpoint answers 404)
 * Per round: throughput at N calls in flight, sequential p50/p99, and the gateway's CPU ms per call
 * (utime + stime of /proc/<pid>/stat); medians over the rounds. Then a CPU profile of a fresh
 * gateway under b and under c (node --cpu-prof, summarised by function, file and package), and a
 * memory run per target (the gateway's RSS every 10k calls, and its slope).
 * Figures are printed beside their targets, never asserted: the exit code is non-zero only when
 * something failed (a call, a process).
 *
 * Options: --quick, --rounds N, --seconds S, --sequential N, --in-flight N, --calls N (memory run),
 * --memory b,c (targets of the memory run, or none), --profile-seconds S (0: no profile).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale } from '../scripts/build-if-stale';
import { latency, median, memoryRun, throughput, type LatencyFigures, type ThroughputFigures } from './proxy/measure';
import { startBenchGateway, startUpstream, type BenchGateway, type UpstreamProcess } from './proxy/processes';
import { formatSummary, summarizeProfile, type CpuProfile } from './proxy/profile-summary';
import { endpointExists, rawTarget, sdkTarget, waitForTool, type Caller, type Target } from './proxy/targets';

const ROOT = join(__dirname, '..');
const UPSTREAM_NAME = 'echo';
const FEDERATED_TOOL = `${UPSTREAM_NAME}__echo`;
const DISCOVERY_TIMEOUT_MS = 30_000;

interface Options {
  rounds: number;
  seconds: number;
  sequential: number;
  inFlight: number;
  calls: number;
  every: number;
  memory: string[];
  warmup: number;
  profileSeconds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    if (index < 0) return fallback;
    const parsed = Number(argv[index + 1]);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${flag} needs a number ≥ 0, got ${argv[index + 1]}`);
    return parsed;
  };
  const memoryIndex = argv.indexOf('--memory');
  const memory = memoryIndex >= 0 ? (argv[memoryIndex + 1] ?? '').split(',') : ['b', 'c'];
  const calls = value('--calls', quick ? 3_000 : 100_000);
  return {
    rounds: Math.max(1, value('--rounds', quick ? 3 : 5)),
    seconds: Math.max(0.5, value('--seconds', quick ? 1 : 8)),
    sequential: Math.max(1, value('--sequential', quick ? 50 : 400)),
    inFlight: Math.max(1, value('--in-flight', 16)),
    calls,
    every: Math.max(1, Math.min(10_000, Math.round(calls / 10))),
    memory: memory.filter((key) => key !== 'none' && key !== ''),
    warmup: quick ? 100 : 1_000,
    profileSeconds: value('--profile-seconds', quick ? 2 : 15),
  };
}

interface Row {
  target: Target;
  throughput: ThroughputFigures[];
  latency: LatencyFigures[];
}

let failures = 0;
const shown = new Map<string, number>();
function countError(key: string): (error: unknown) => void {
  return (error) => {
    failures++;
    const n = shown.get(key) ?? 0;
    shown.set(key, n + 1);
    if (n < 3) console.error(`  ${key}: call failed: ${error instanceof Error ? error.message : String(error)}`);
  };
}

async function register(gateway: BenchGateway, upstream: UpstreamProcess): Promise<void> {
  await gateway.admin('POST', '/gateways', { name: UPSTREAM_NAME, url: upstream.url });
  await waitForTool(`${gateway.baseUrl}/mcp`, FEDERATED_TOOL, DISCOVERY_TIMEOUT_MS);
}

async function warm(caller: Caller, calls: number, inFlight: number, key: string): Promise<void> {
  let issued = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < calls) {
        issued++;
        await caller.call(`w${issued}`).catch(countError(key));
      }
    }),
  );
}

const fixed = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const signed = (v: number, digits = 2): string =>
  Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : 'n/a';

function printTable(rows: Row[], absent: Target[], options: Options): void {
  const direct = rows.find((r) => r.target.gatewayPid === null)!;
  const med = (row: Row) => ({
    tput: median(row.throughput.map((t) => t.callsPerSecond)),
    p50: median(row.latency.map((l) => l.p50Ms)),
    p99: median(row.latency.map((l) => l.p99Ms)),
    cpu: median(row.throughput.map((t) => t.gatewayCpuMsPerCall)),
    upCpu: median(row.throughput.map((t) => t.upstreamCpuMsPerCall)),
    errors: row.throughput.reduce((s, t) => s + t.errors, 0) + row.latency.reduce((s, l) => s + l.errors, 0),
  });
  const base = med(direct);
  console.log(
    `\nMedians of ${options.rounds} rounds (rotated order): throughput at ${options.inFlight} in flight for ${options.seconds} s, ` +
      `${options.sequential} sequential calls for latency`,
  );
  const table: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    const m = med(row);
    const isDirect = row === direct;
    table[`${row.target.key} ${row.target.label}`] = {
      'calls/s': fixed(m.tput, 0),
      '× direct': isDirect ? '1.00' : fixed(m.tput / base.tput),
      'p50 ms': fixed(m.p50),
      'added p50': isDirect ? '' : signed(m.p50 - base.p50),
      'p99 ms': fixed(m.p99),
      'added p99': isDirect ? '' : signed(m.p99 - base.p99),
      'gw CPU ms/call': isDirect ? '' : fixed(m.cpu),
      'upstream CPU ms/call': fixed(m.upCpu),
      errors: String(m.errors),
    };
  }
  for (const target of absent) table[`${target.key} ${target.label}`] = { 'calls/s': 'n/a (404)' };
  console.table(table);
  console.log(
    'Targets: ≥ 0.80 × direct throughput, ≤ +1 ms added p50, ≤ 1 ms gateway CPU per call, RSS flat over 100k calls',
  );
}

interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A fresh gateway under --cpu-prof, driven by one target for `seconds`; the profile is read back after it exits. */
async function profileTarget(key: 'b' | 'c', upstream: UpstreamProcess, options: Options, dir: string): Promise<void> {
  const profileDir = join(dir, key);
  const gateway = await startBenchGateway({
    cpuProfileDir: profileDir,
    env: key === 'b' ? { MCP_SESSIONS: 'stateless' } : {},
  });
  let window: ProfileWindow;
  let calls: number;
  let cpuPerCall: number;
  try {
    await register(gateway, upstream);
    const target =
      key === 'b'
        ? rawTarget('b', '', `${gateway.baseUrl}/mcp`, FEDERATED_TOOL, gateway.pid)
        : sdkTarget('c', '', `${gateway.baseUrl}/mcp`, FEDERATED_TOOL, gateway.pid);
    const caller = await target.open();
    try {
      await warm(caller, options.warmup, options.inFlight, `profile ${key}`);
      const fromUs = nowUs();
      const figures = await throughput(
        caller,
        options.inFlight,
        options.profileSeconds,
        { gateway: gateway.pid, upstream: upstream.pid },
        countError(`profile ${key}`),
      );
      window = { fromUs, toUs: nowUs() };
      calls = Math.round(figures.callsPerSecond * options.profileSeconds);
      cpuPerCall = figures.gatewayCpuMsPerCall ?? NaN;
    } finally {
      await caller.close();
    }
  } finally {
    await gateway.stop();
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the gateway wrote no CPU profile into ${profileDir}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  let summary = summarizeProfile(profile, window);
  if (summary.busyMs === 0) {
    console.log('  (the load window matched no samples: whole profile, start-up included)');
    summary = summarizeProfile(profile);
  }
  console.log(
    `\nProfile of the gateway under ${key} (${options.inFlight} in flight, ${options.profileSeconds} s): ${join(profileDir, file)}`,
  );
  console.log(`gateway CPU (/proc, profiler on): ${fixed(cpuPerCall)} ms per call`);
  console.log(formatSummary(summary, 20, calls));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (buildIfStale(ROOT, { quiet: true })) console.log('built the gateway');
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (other work on this machine skews every figure)`,
  );

  const upstream = await startUpstream(UPSTREAM_NAME);
  const gateways: BenchGateway[] = [];
  const callers = new Map<string, Caller>();
  try {
    // b needs a stateless endpoint; c and d use the gateway as configured by default.
    const stateless = await startBenchGateway({ env: { MCP_SESSIONS: 'stateless' } });
    gateways.push(stateless);
    const stateful = await startBenchGateway();
    gateways.push(stateful);
    await Promise.all(gateways.map((g) => register(g, upstream)));

    const perUpstream = `${stateful.baseUrl}/servers/${UPSTREAM_NAME}/mcp`;
    const all: Target[] = [
      sdkTarget('a', 'direct (SDK client)', upstream.url, 'echo', null),
      rawTarget('b', 'gateway /mcp stateless (raw POSTs)', `${stateless.baseUrl}/mcp`, FEDERATED_TOOL, stateless.pid),
      sdkTarget('c', 'gateway /mcp (SDK client)', `${stateful.baseUrl}/mcp`, FEDERATED_TOOL, stateful.pid),
      sdkTarget('d', 'gateway /servers/echo/mcp (SDK client)', perUpstream, 'echo', stateful.pid),
    ];
    const hasPerUpstream = await endpointExists(perUpstream);
    const targets = all.filter((t) => t.key !== 'd' || hasPerUpstream);
    const absent = all.filter((t) => !targets.includes(t));

    for (const target of targets) {
      const caller = await target.open();
      callers.set(target.key, caller);
      await warm(caller, options.warmup, options.inFlight, target.key);
    }

    const rows: Row[] = targets.map((target) => ({ target, throughput: [], latency: [] }));
    for (let round = 0; round < options.rounds; round++) {
      const order = rows.map((_, i) => rows[(i + round) % rows.length]);
      const line: string[] = [];
      for (const row of order) {
        const caller = callers.get(row.target.key)!;
        const tp = await throughput(
          caller,
          options.inFlight,
          options.seconds,
          { gateway: row.target.gatewayPid, upstream: upstream.pid },
          countError(row.target.key),
        );
        const lat = await latency(caller, options.sequential, countError(row.target.key));
        row.throughput.push(tp);
        row.latency.push(lat);
        const cpu = tp.gatewayCpuMsPerCall === null ? '' : ` cpu ${fixed(tp.gatewayCpuMsPerCall)}`;
        line.push(
          `${row.target.key} ${fixed(tp.callsPerSecond, 0)}/s p50 ${fixed(lat.p50Ms)} p99 ${fixed(lat.p99Ms)}${cpu}`,
        );
      }
      console.log(`round ${round + 1}: ${line.join(' | ')}`);
    }
    printTable(rows, absent, options);

    // Profiles before the memory runs: those take longest, and a run cut short still has them.
    if (options.profileSeconds > 0) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-proxy-profiles-'));
      for (const key of ['b', 'c'] as const) await profileTarget(key, upstream, options, dir);
    }

    for (const key of options.memory) {
      const row = rows.find((r) => r.target.key === key);
      if (!row || row.target.gatewayPid === null) {
        console.log(`\nmemory run ${key}: n/a`);
        continue;
      }
      console.log(
        `\nMemory run ${key} (${row.target.label}): ${options.calls} calls, ${options.inFlight} in flight, gateway RSS`,
      );
      const memoryStart = performance.now();
      const figures = await memoryRun(
        callers.get(key)!,
        options.calls,
        options.every,
        options.inFlight,
        row.target.gatewayPid,
        (s) => {
          const elapsed = ((performance.now() - memoryStart) / 1000).toFixed(0);
          console.log(
            `  ${String(s.calls).padStart(7)} calls  RSS ${s.rssMb.toFixed(1).padStart(6)} MB  (${elapsed} s)`,
          );
        },
        countError(`memory ${key}`),
      );
      const first = figures.samples[0].rssMb;
      const last = figures.samples[figures.samples.length - 1].rssMb;
      console.log(
        `  slope after the first ${options.every} calls: ${signed(figures.slopeMbPer10k)} MB per 10k calls ` +
          `(${first.toFixed(1)} → ${last.toFixed(1)} MB; target: flat)` +
          // The heap grows to its working size over the first tens of thousands of calls.
          (options.calls < 50_000 ? ' — too few calls to judge flatness' : ''),
      );
    }
  } finally {
    await Promise.all([...callers.values()].map((c) => c.close().catch(() => undefined)));
    await Promise.all(gateways.map((g) => g.stop().catch((error: unknown) => console.error(String(error)))));
    await upstream.stop();
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (failures > 0) {
    console.error(`${failures} call(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
