import { classificationKeys } from '@app/classification';
import type { EventOf, History } from './history';

/** A span during which Redis held the leader key with one token. */
export interface Ownership {
  token: string;
  from: number;
  /** When it ended (release, expiry, flush, restart); Infinity while it still holds. */
  to: number;
}

export interface LandedPublish {
  at: number;
  token: string;
  /** The lock's holder at that moment by the history, null when none. */
  owner: string | null;
}

export interface LockTimeline {
  ownerships: Ownership[];
  publishes: LandedPublish[];
  /** Successful acquisitions while the history says another token still held the key. */
  doubleAcquires: { at: number; token: string; holder: string }[];
  /** Writes to the classification or leader keys outside the workers' scripts (not the harness's). */
  unfencedWrites: { at: number; source: string; command: string }[];
  /** Times a lock sample named a holder the MONITOR trace had not shown (lines lost in a reconnect). */
  corrections: number;
  /** From when the holder is known: the first lock sample (MONITOR alone starts mid-lease). */
  knownFrom: number;
  ownerAt(at: number): string | null;
}

interface Group {
  head: EventOf<'monitor'>;
  lua: EventOf<'monitor'>[];
}

const WRITE_COMMANDS = new Set([
  'SET',
  'DEL',
  'SADD',
  'SREM',
  'EXPIRE',
  'PEXPIRE',
  'PERSIST',
  'HSET',
  'RPUSH',
  'UNLINK',
  'RENAME',
]);
/** Redis expiry and MONITOR stamps come from one clock; allow for rounding to the millisecond. */
const EXPIRY_SLACK_MS = 50;

/**
 * Rebuilds who held the leader lock from MONITOR. Each client command is followed by the
 * commands its script ran (source `lua`), so a script's outcome reads off its trace: an acquire
 * whose `SET NX` is not followed by a `GET` took the key; `GET` then `EXPIRE` renewed it; `GET`
 * then `DEL` released it; a publish that reached `SET metadata` landed.
 * The 100 ms lock samples fill in what MONITOR missed (its reconnects after a restart or a
 * CLIENT KILL). `resets` are the moments Redis lost its data (restart) as the harness recorded them.
 */
export function lockTimeline(
  history: History,
  harnessSources: ReadonlySet<string>,
  resets: readonly number[],
): LockTimeline {
  const keys = classificationKeys();
  const guarded = new Set([keys.hot, keys.cold, keys.metadata, keys.timestamp, keys.leader]);
  const ownerships: Ownership[] = [];
  const publishes: LandedPublish[] = [];
  const doubleAcquires: LockTimeline['doubleAcquires'] = [];
  const unfencedWrites: LockTimeline['unfencedWrites'] = [];
  let current: { token: string; expiresAt: number; span: Ownership } | null = null;
  const pendingResets = [...resets].sort((a, b) => a - b);

  const end = (at: number): void => {
    if (current) current.span.to = at;
    current = null;
  };
  const settle = (at: number): void => {
    while (pendingResets.length > 0 && pendingResets[0] <= at) end(pendingResets.shift() as number);
    if (current && at >= current.expiresAt) end(current.expiresAt);
  };

  const samples = history.of('lock').filter((l) => !l.error);
  const knownFrom = samples[0]?.at ?? Infinity;
  let corrections = 0;
  const observe = (until: number): void => {
    // A sample that names a holder the trace does not know means MONITOR missed a line: trust the sample.
    while (samples.length > 0 && samples[0].at <= until) {
      const sample = samples.shift() as (typeof samples)[number];
      settle(sample.at);
      if (sample.value === null || sample.pttl === null || sample.pttl <= 0) continue;
      const expiresAt = sample.at + sample.pttl + EXPIRY_SLACK_MS;
      if (current?.token === sample.value) {
        current.expiresAt = Math.max(current.expiresAt, expiresAt);
        continue;
      }
      corrections++;
      end(sample.at);
      const span: Ownership = { token: sample.value, from: sample.at, to: Infinity };
      ownerships.push(span);
      current = { token: sample.value, expiresAt, span };
    }
  };
  for (const group of groups(history.of('monitor'))) {
    const at = group.head.at;
    observe(at);
    settle(at);
    const command = group.head.args[0]?.toUpperCase() ?? '';
    if (command === 'FLUSHALL' || command === 'FLUSHDB') {
      end(at);
      continue;
    }
    if (WRITE_COMMANDS.has(command) && group.head.args.slice(1).some((k) => guarded.has(k))) {
      if (!harnessSources.has(group.head.source)) {
        unfencedWrites.push({ at, source: group.head.source, command: group.head.args.slice(0, 3).join(' ') });
      }
      if (group.head.args[1] === keys.leader) end(at);
      continue;
    }
    const lua = group.lua.map((e) => e.args);
    const setNx = lua.findIndex((a) => a[0].toUpperCase() === 'SET' && a[1] === keys.leader && a.includes('NX'));
    if (setNx >= 0) {
      const token = lua[setNx][2];
      const ttlMs = Number(lua[setNx][4]) * 1000;
      const next = lua[setNx + 1];
      if (next === undefined || next[0].toUpperCase() !== 'GET') {
        // A second owner only while the first key certainly lived: the slack that keeps an
        // ownership open for rounding must not turn an acquire just after expiry into a violation.
        if (current && current.token !== token && at < current.expiresAt - EXPIRY_SLACK_MS) {
          doubleAcquires.push({ at, token, holder: current.token });
        }
        end(at);
        const span: Ownership = { token, from: at, to: Infinity };
        ownerships.push(span);
        current = { token, expiresAt: at + ttlMs + EXPIRY_SLACK_MS, span };
      } else if (lua[setNx + 2]?.[0].toUpperCase() === 'EXPIRE' && current?.token === token) {
        current.expiresAt = at + ttlMs + EXPIRY_SLACK_MS;
      }
      continue;
    }
    const get = lua.findIndex((a) => a[0].toUpperCase() === 'GET' && a[1] === keys.leader);
    if (get >= 0 && lua[get + 1]?.[0].toUpperCase() === 'DEL' && lua[get + 1][1] === keys.leader) {
      end(at);
      continue;
    }
    if (lua.some((a) => a[0].toUpperCase() === 'SET' && a[1] === keys.metadata)) {
      // EVALSHA sha 5 hot cold metadata timestamp leader token …
      const token = group.head.args[8] ?? '';
      publishes.push({ at, token, owner: current?.token ?? null });
    }
  }
  const closing = Math.max(...history.all().map((e) => e.at), 0);
  observe(closing);
  settle(closing);

  return {
    ownerships,
    publishes,
    doubleAcquires,
    unfencedWrites,
    corrections,
    knownFrom,
    ownerAt: (at) => ownerships.find((o) => o.from <= at && at < o.to)?.token ?? null,
  };
}

function* groups(lines: readonly EventOf<'monitor'>[]): Generator<Group> {
  let group: Group | null = null;
  for (const line of lines) {
    if (line.source === 'lua') {
      group?.lua.push(line);
      continue;
    }
    if (group) yield group;
    group = { head: line, lua: [] };
  }
  if (group) yield group;
}
