import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { CLAIM_DUE_LUA, COMPLETE_CLAIMS_LUA, RELEASE_CLAIMS_LUA } from '../../libs/classification/src/redis-scripts';

type ScriptKind = 'claim' | 'complete' | 'release';

/** One claim-script call or write, as MONITOR saw it. */
interface Seen {
  at: number;
  kind: ScriptKind;
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const SCRIPTS = new Map<string, ScriptKind>([
  [sha1(CLAIM_DUE_LUA), 'claim'],
  [sha1(COMPLETE_CLAIMS_LUA), 'complete'],
  [sha1(RELEASE_CLAIMS_LUA), 'release'],
]);
/** Writes sent together (completions and releases of one flush) arrive within this much of each other. */
const SAME_TRIP_MS = 2;

/** Per connection: rounds (claim calls) and the round trips they took. */
export interface RoundTrips {
  connections: number;
  rounds: number;
  /** Round trips per round, averaged over every connection's rounds. */
  perRound: number;
  /** The most round trips any single round took. */
  maxPerRound: number;
}

/**
 * Counts the discovery rounds' Redis round trips with MONITOR: per client connection, each claim
 * script call starts a round, and the writes after it (complete/release, grouped when sent
 * together) are its further round trips. Only scripts over `tool_discovery` keys count.
 */
export class RoundTripCounter {
  private readonly seen = new Map<string, Seen[]>();

  private constructor(private readonly monitor: Redis) {}

  static async start(client: Redis): Promise<RoundTripCounter> {
    const monitor = await client.monitor();
    const counter = new RoundTripCounter(monitor);
    monitor.on('monitor', (time: string, args: string[], source: string) => counter.record(Number(time) * 1000, args, source));
    return counter;
  }

  async stop(): Promise<RoundTrips> {
    this.monitor.disconnect();
    let rounds = 0;
    let trips = 0;
    let maxPerRound = 0;
    for (const events of this.seen.values()) {
      let current = 0;
      let lastWrite = -Infinity;
      const close = (): void => {
        if (current > 0) maxPerRound = Math.max(maxPerRound, current);
      };
      for (const event of events) {
        if (event.kind === 'claim') {
          close();
          rounds += 1;
          trips += 1;
          current = 1;
          lastWrite = -Infinity;
        } else if (current > 0 && event.at - lastWrite > SAME_TRIP_MS) {
          trips += 1;
          current += 1;
          lastWrite = event.at;
        } else {
          lastWrite = event.at;
        }
      }
      close();
    }
    return { connections: this.seen.size, rounds, perRound: rounds ? trips / rounds : 0, maxPerRound };
  }

  private record(at: number, args: string[], source: string): void {
    const [command, script, , firstKey, secondKey] = args;
    if (!/^eval(sha)?$/i.test(command ?? '')) return;
    const kind = SCRIPTS.get(command.toLowerCase() === 'eval' ? sha1(script) : script);
    if (!kind) return;
    // Claims and completions carry the hot set first, then poll keys; releases carry claim keys only.
    const key = kind === 'release' ? firstKey : kind === 'claim' ? (args[5] ?? '') : secondKey;
    if (!key.endsWith('tool_discovery')) return;
    const events = this.seen.get(source) ?? [];
    events.push({ at, kind });
    this.seen.set(source, events);
  }
}
