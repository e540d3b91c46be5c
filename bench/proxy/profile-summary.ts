/**
 * Aggregates a V8 `.cpuprofile` (node --cpu-prof) by function, file and package: self time (the
 * function itself on the CPU) and total time (the function anywhere on the stack).
 *
 * Importable: `summarizeProfile(profile, { fromUs, toUs })`, `formatSummary(summary)`.
 * Runnable:   `ts-node bench/proxy/profile-summary.ts <file.cpuprofile> [--top 25]`.
 */
import { readFileSync } from 'node:fs';

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  /** Where the code lives: the gateway's own source, a package (`@modelcontextprotocol/sdk`), node core, V8. */
  origin: string;
  /** Path inside the origin, with line. */
  location: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Time sampled in the window, idle excluded (wall-clock sampling: a preempted process still counts). */
  busyMs: number;
  windowMs: number;
  /** Self time by origin (package, gateway, node core, GC). */
  byOrigin: { origin: string; selfMs: number }[];
  /** Self time by file, for the gateway and the SDK. */
  byFile: { file: string; selfMs: number }[];
  functions: FunctionTime[];
}

export const GATEWAY_ORIGIN = 'gateway';
export const SDK_ORIGIN = '@modelcontextprotocol/sdk';

interface Place {
  origin: string;
  file: string;
}

/** Which code a script URL belongs to. */
function placeOf(url: string, functionName: string): Place {
  if (url === '') return { origin: functionName.startsWith('(') ? functionName : '(native)', file: '' };
  if (url.startsWith('node:')) return { origin: 'node core', file: url };
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length);
    const parts = rest.split('/');
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    return { origin: pkg, file: rest };
  }
  const dist = path.lastIndexOf('/dist/');
  if (dist >= 0) return { origin: GATEWAY_ORIGIN, file: path.slice(dist + '/dist/'.length) };
  return { origin: 'other', file: path };
}

export function summarizeProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const keyOf = new Map<number, string>();
  const functions = new Map<string, FunctionTime>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    const name = functionName || '(anonymous)';
    const location = place.file ? `${place.file}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${place.origin}\u0000${location}`;
    keyOf.set(node.id, key);
    if (!functions.has(key)) functions.set(key, { name, origin: place.origin, location, selfMs: 0, totalMs: 0 });
  }

  const origins = new Map<string, number>();
  const files = new Map<string, number>();
  let busyUs = 0;
  let time = profile.startTime;
  const meanDelta = profile.timeDeltas.length ? (profile.endTime - profile.startTime) / profile.timeDeltas.length : 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (window && (time < window.fromUs || time > window.toUs)) continue;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? meanDelta;
    const id = profile.samples[i];
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const self = functions.get(keyOf.get(id)!)!;
    self.selfMs += us / 1000;
    const place = placeOf(node.callFrame.url, node.callFrame.functionName);
    origins.set(place.origin, (origins.get(place.origin) ?? 0) + us / 1000);
    if (place.origin === GATEWAY_ORIGIN || place.origin === SDK_ORIGIN) {
      files.set(place.file, (files.get(place.file) ?? 0) + us / 1000);
    }
    // Total time: once per function on the stack, however often it recurs.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf.get(at)!;
      if (seen.has(key)) continue;
      seen.add(key);
      functions.get(key)!.totalMs += us / 1000;
    }
  }
  const sorted = <T extends { selfMs: number }>(rows: T[]): T[] => rows.sort((a, b) => b.selfMs - a.selfMs);
  return {
    busyMs: busyUs / 1000,
    windowMs: window ? (window.toUs - window.fromUs) / 1000 : (profile.endTime - profile.startTime) / 1000,
    byOrigin: sorted([...origins].map(([origin, selfMs]) => ({ origin, selfMs }))),
    byFile: sorted([...files].map(([file, selfMs]) => ({ file, selfMs }))),
    functions: [...functions.values()].filter((f) => f.totalMs > 0),
  };
}

const SYNTHETIC = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

export function formatSummary(summary: ProfileSummary, top = 20, calls?: number): string {
  const busy = summary.busyMs;
  const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const ms = (v: number): string => `${v.toFixed(0).padStart(7)} ms`;
  const perCall = calls ? ` (${(busy / calls).toFixed(2)} ms per call over ${calls} calls)` : '';
  // V8 samples on the wall clock: on a busy machine time spent descheduled lands on whatever ran last.
  const lines = [
    `Sampled ${busy.toFixed(0)} ms not idle in a ${summary.windowMs.toFixed(0)} ms window${perCall}; ` +
      'shares below are of that time',
  ];
  lines.push('  self time by origin:');
  for (const row of summary.byOrigin.slice(0, 12)) lines.push(`   ${ms(row.selfMs)} ${pct(row.selfMs)}  ${row.origin}`);
  lines.push('  self time by file (gateway and SDK):');
  for (const row of summary.byFile.slice(0, top)) lines.push(`   ${ms(row.selfMs)} ${pct(row.selfMs)}  ${row.file}`);
  const fn = (f: FunctionTime, value: number): string =>
    `   ${ms(value)} ${pct(value)}  ${f.name}  [${f.origin}${f.location ? ` ${f.location}` : ''}]`;
  lines.push('  top functions by self time (all code):');
  for (const f of [...summary.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(fn(f, f.selfMs));
  const own = summary.functions.filter((f) => f.origin === GATEWAY_ORIGIN || f.origin === SDK_ORIGIN);
  lines.push('  top gateway and SDK functions by self time:');
  for (const f of [...own].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(fn(f, f.selfMs));
  lines.push('  top gateway and SDK functions by total time (self + callees):');
  for (const f of [...own]
    .filter((f) => !SYNTHETIC.has(f.name))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top)) {
    lines.push(fn(f, f.totalMs));
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const topIndex = rest.indexOf('--top');
  const top = topIndex >= 0 ? Number(rest[topIndex + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatSummary(summarizeProfile(profile), top));
}
