import { cpuMs, rssMb } from './proc-stats';
import type { Caller } from './targets';

export interface ThroughputFigures {
  callsPerSecond: number;
  /** CPU ms the gateway process used per call (null for the direct connection). */
  gatewayCpuMsPerCall: number | null;
  upstreamCpuMsPerCall: number;
  errors: number;
}

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Runs as many calls as `inFlight` loops keep going for `seconds`; errors are counted, not thrown. */
export async function throughput(
  caller: Caller,
  inFlight: number,
  seconds: number,
  pids: { gateway: number | null; upstream: number },
  onError: (error: unknown) => void,
): Promise<ThroughputFigures> {
  let calls = 0;
  let errors = 0;
  const gatewayBefore = pids.gateway === null ? 0 : cpuMs(pids.gateway);
  const upstreamBefore = cpuMs(pids.upstream);
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, loop) => {
      for (let n = 0; performance.now() < end; n++) {
        try {
          await caller.call(`t${loop}-${n}`);
          calls++;
        } catch (error) {
          errors++;
          onError(error);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const perCall = (ms: number): number => (calls > 0 ? ms / calls : NaN);
  return {
    callsPerSecond: calls / elapsedS,
    gatewayCpuMsPerCall: pids.gateway === null ? null : perCall(cpuMs(pids.gateway) - gatewayBefore),
    upstreamCpuMsPerCall: perCall(cpuMs(pids.upstream) - upstreamBefore),
    errors,
  };
}

/** `count` calls one after another: the latency one call sees with nothing else in flight. */
export async function latency(
  caller: Caller,
  count: number,
  onError: (error: unknown) => void,
): Promise<LatencyFigures> {
  const times: number[] = [];
  let errors = 0;
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    try {
      await caller.call(`s${n}`);
      times.push(performance.now() - started);
    } catch (error) {
      errors++;
      onError(error);
    }
  }
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), errors };
}

export interface MemorySample {
  calls: number;
  rssMb: number;
}

export interface MemoryFigures {
  samples: MemorySample[];
  /** Least-squares RSS slope over every sample after the first, in MB per 10k calls. */
  slopeMbPer10k: number;
  errors: number;
}

/** `total` calls, `inFlight` at a time, with the gateway's RSS read every `every` calls. */
export async function memoryRun(
  caller: Caller,
  total: number,
  every: number,
  inFlight: number,
  gatewayPid: number,
  onSample: (sample: MemorySample) => void,
  onError: (error: unknown) => void,
): Promise<MemoryFigures> {
  const samples: MemorySample[] = [{ calls: 0, rssMb: rssMb(gatewayPid) }];
  onSample(samples[0]);
  let issued = 0;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < total) {
        const n = issued++;
        try {
          await caller.call(`m${n}`);
        } catch (error) {
          errors++;
          onError(error);
        }
        done++;
        if (done % every === 0) {
          const sample = { calls: done, rssMb: rssMb(gatewayPid) };
          samples.push(sample);
          onSample(sample);
        }
      }
    }),
  );
  // The first interval carries start-up growth (JIT, caches, pools); the slope is taken after it.
  const steady = samples.length > 2 ? samples.slice(1) : samples;
  return { samples, slopeMbPer10k: slope(steady) * 10_000, errors };
}

function slope(samples: MemorySample[]): number {
  if (samples.length < 2) return NaN;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.calls, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.calls - mx) * (p.rssMb - my);
    den += (p.calls - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Median of the finite values (NaN when there are none). */
export function median(values: readonly (number | null)[]): number {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
