import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { classifyServers, createClassifier } from '@app/classification';
import type { ClassificationResult } from '@app/classification';
import { WORKLOAD_NOW, generateWorkload, type Workload } from './workload';

interface Size {
  servers: number;
  warmup: number;
  runs: number;
}

interface Timing {
  medianMs: number;
  p95Ms: number;
}

interface Row {
  servers: number;
  sessions: number;
  hot: number;
  eligible: number;
  runs: number;
  /** Every run builds the server index: the first cycle, or one after the registry changed. */
  cold: Timing;
  /** The scheduler's steady state: registry unchanged since the last cycle, usage changed. */
  steady: Timing;
  /** Heap after GC holding the workload and one result. */
  heapMb: number;
  /** Heap growth over one classification, before any GC: what a run allocates. */
  allocMb: number;
}

const SIZES: readonly Size[] = [
  { servers: 1_000, warmup: 200, runs: 201 },
  { servers: 10_000, warmup: 30, runs: 51 },
  { servers: 100_000, warmup: 5, runs: 21 },
];
const TARGET_100K_MS = 50;

// Collect garbage before each measurement of the heap, so figures do not depend on GC timing.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapUsedMb = (): number => process.memoryUsage().heapUsed / 2 ** 20;

function percentile(sorted: readonly number[], p: number): number {
  // Nearest-rank: an observed run, not an interpolation between two.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The guarantees a result must hold whatever the timing; a violation fails the bench. */
function check(workload: Workload, result: ClassificationResult): void {
  const fail = (what: string): never => {
    throw new Error(`sanity check failed for ${workload.servers} servers: ${what}`);
  };
  const servers = new Set(workload.gateways.map((g) => g.url));
  const { hot, cold, metadata } = result;
  const hotCap = Math.floor(0.2 * servers.size);
  if (servers.size !== workload.servers) fail(`workload has ${servers.size} distinct servers`);
  if (metadata.totalServers !== servers.size) fail(`totalServers=${metadata.totalServers}`);
  if (metadata.hotCap !== hotCap) fail(`hotCap=${metadata.hotCap}, expected ${hotCap}`);
  if (hot.length !== Math.min(hotCap, metadata.eligibleCount)) fail(`hot=${hot.length}`);
  if (metadata.hotActual !== hot.length) fail(`hotActual=${metadata.hotActual}`);
  if (hot.length + cold.length !== servers.size) fail('hot + cold is not the server count');
  const hotSet = new Set(hot);
  if (hotSet.size !== hot.length) fail('duplicate hot server');
  for (const url of cold) if (hotSet.has(url)) fail(`${url} is both hot and cold`);
  for (const url of [...hot, ...cold]) if (!servers.has(url)) fail(`${url} is not a gateway URL`);
  if (metadata.timestamp !== WORKLOAD_NOW) fail('timestamp not stamped from now');
  // Every server of the workload's used share has a used session, and 60% is above the 20% cap.
  if (metadata.eligibleCount !== Math.round(0.6 * servers.size)) fail(`eligibleCount=${metadata.eligibleCount}`);
  if (hot.length !== hotCap) fail(`only ${hot.length} hot of cap ${hotCap}`);

  // Recency decides first: hot must be newest first, and no cold server newer than the last hot one.
  const urlById = new Map(workload.gateways.map((g) => [g.id, g.url]));
  const lastUsed = new Map<string, number>();
  for (const s of workload.sessions) {
    const url = (s.gatewayId !== undefined ? urlById.get(s.gatewayId) : undefined) ?? s.url;
    if (servers.has(url) && s.lastUsed > 0) lastUsed.set(url, Math.max(lastUsed.get(url) ?? 0, s.lastUsed));
  }
  const recency = (url: string): number => lastUsed.get(url) ?? 0;
  for (let k = 0; k < hot.length; k++) {
    if (recency(hot[k]) <= 0) fail(`hot ${hot[k]} was never used`);
    if (k > 0 && recency(hot[k]) > recency(hot[k - 1])) fail(`hot list out of order at ${k}`);
  }
  const floor = hot.length > 0 ? recency(hot[hot.length - 1]) : Infinity;
  for (const url of cold) if (recency(url) > floor) fail(`cold ${url} is newer than the last hot server`);
}

/**
 * Each timed run gets fresh input objects, as each cycle does: gateway rows parsed anew (fresh
 * strings, as a database driver returns them) and a new snapshot of session objects. The
 * snapshot's URL and gateway-id strings are the same from run to run, as the pool's keys are;
 * reusing one whole input instead would let V8 keep every string hash and flatter the lookups.
 */
function freshInputs(workload: Workload, count: number): Array<() => ClassifyInputCopy> {
  const gatewaysJson = JSON.stringify(workload.gateways);
  return Array.from({ length: count }, () => () => ({
    gateways: JSON.parse(gatewaysJson) as Workload['gateways'],
    sessions: workload.sessions.map((session) => ({ ...session })),
    now: WORKLOAD_NOW,
  }));
}

type ClassifyInputCopy = Pick<Workload, 'gateways' | 'sessions'> & { now: number };

function time(runs: number, workload: Workload, classify: (input: ClassifyInputCopy) => ClassificationResult): Timing {
  const times: number[] = [];
  let result: ClassificationResult | null = null;
  for (const next of freshInputs(workload, runs)) {
    const input = next();
    const start = process.hrtime.bigint();
    result = classify(input);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  if (result) check(workload, result);
  times.sort((a, b) => a - b);
  return { medianMs: percentile(times, 50), p95Ms: percentile(times, 95) };
}

function measure(size: Size): Row {
  const workload = generateWorkload({ servers: size.servers, seed: 0x5eed + size.servers });
  const input = { gateways: workload.gateways, sessions: workload.sessions, now: WORKLOAD_NOW };
  let result = classifyServers(input);
  check(workload, result);
  for (let i = 0; i < size.warmup; i++) result = classifyServers(input);

  const cold = time(size.runs, workload, classifyServers);
  const classifier = createClassifier();
  classifier.classify(input);
  const steady = time(size.runs, workload, (copy) => classifier.classify(copy));

  collectGarbage();
  const before = heapUsedMb();
  result = classifyServers(input);
  const allocMb = heapUsedMb() - before;
  collectGarbage();
  return {
    servers: size.servers,
    sessions: workload.sessions.length,
    hot: result.hot.length,
    eligible: result.metadata.eligibleCount,
    runs: size.runs,
    cold,
    steady,
    heapMb: heapUsedMb(),
    allocMb,
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function main(): void {
  const rows = SIZES.map(measure);
  console.log(
    `classification, node ${process.version}, ${process.platform}/${process.arch}; ms per run, each run on a fresh copy of the input\n` +
      'cold: the server index is built (first cycle, or the registry changed); steady: registry unchanged since the last cycle',
  );
  console.log(
    table(
      [
        'servers',
        'sessions',
        'eligible',
        'hot',
        'runs',
        'cold median',
        'cold p95',
        'steady median',
        'steady p95',
        'µs/server',
        'alloc MB/run',
        'heap MB',
      ],
      rows.map((r) => [
        r.servers.toLocaleString('en-US'),
        r.sessions.toLocaleString('en-US'),
        r.eligible.toLocaleString('en-US'),
        r.hot.toLocaleString('en-US'),
        String(r.runs),
        r.cold.medianMs.toFixed(2),
        r.cold.p95Ms.toFixed(2),
        r.steady.medianMs.toFixed(2),
        r.steady.p95Ms.toFixed(2),
        ((r.steady.medianMs * 1000) / r.servers).toFixed(3),
        r.allocMb.toFixed(1),
        r.heapMb.toFixed(1),
      ]),
    ),
  );

  const nLogN = (n: number): number => n * Math.log2(n);
  console.log('\ngrowth of the steady median between sizes (below the n log n ratio = no worse than n log n)');
  console.log(
    table(
      ['from → to', 'measured', 'n log n', 'linear'],
      rows.slice(1).map((r, i) => {
        const prev = rows[i];
        return [
          `${prev.servers.toLocaleString('en-US')} → ${r.servers.toLocaleString('en-US')}`,
          `${(r.steady.medianMs / prev.steady.medianMs).toFixed(2)}×`,
          `${(nLogN(r.servers) / nLogN(prev.servers)).toFixed(2)}×`,
          `${(r.servers / prev.servers).toFixed(2)}×`,
        ];
      }),
    ),
  );

  const largest = rows[rows.length - 1];
  const size = largest.servers.toLocaleString('en-US');
  for (const [label, timing] of [
    ['steady', largest.steady],
    ['cold', largest.cold],
  ] as const) {
    const verdict = timing.medianMs < TARGET_100K_MS ? 'within' : 'ABOVE';
    console.log(
      `${label === 'steady' ? '\n' : ''}${size} servers, ${label}: median ${timing.medianMs.toFixed(2)} ms, ${verdict} the ${TARGET_100K_MS} ms target (reported, not enforced)`,
    );
  }
  console.log('sanity checks: passed for every size');
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
