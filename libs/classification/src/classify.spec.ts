import fc from 'fast-check';
import { classifyServers, compareCodePoints, kthLargest } from './classify';
import type { ClassificationResult, UpstreamRef, SessionUsage } from './types';

const NOW = 1_700_000_000_000;

function gateway(id: string, url: string): UpstreamRef {
  return { id, url };
}

/** `count` gateways `g0..` with distinct URLs `https://s0.example/mcp..`, in that order. */
function gateways(count: number): UpstreamRef[] {
  return Array.from({ length: count }, (_, i) => gateway(`g${i}`, url(i)));
}

function url(i: number): string {
  return `https://s${i}.example/mcp`;
}

function session(fields: Partial<SessionUsage> & Pick<SessionUsage, 'url'>): SessionUsage {
  return { lastUsed: 0, useCount: 0, active: false, ...fields };
}

/** A used, idle session of gateway `id` (whose canonical URL is `at`). */
function used(id: string, at: string, lastUsed: number, extra: Partial<SessionUsage> = {}): SessionUsage {
  return session({ url: at, gatewayId: id, lastUsed, useCount: 1, ...extra });
}

/** The whole ranking of eligible servers: with hotRatio 1 every eligible server is hot, in rank order. */
function ranking(gatewayList: readonly UpstreamRef[], sessions: readonly SessionUsage[]): string[] {
  return classifyServers({ gateways: gatewayList, sessions, hotRatio: 1, now: NOW }).hot;
}

describe('classifyServers', () => {
  describe('ranking', () => {
    it('ranks the most recently used server first', () => {
      const [a, b, c] = gateways(3);
      const order = ranking([a, b, c], [used(a.id, a.url, 100), used(b.id, b.url, 300), used(c.id, c.url, 200)]);
      expect(order).toEqual([b.url, c.url, a.url]);
    });

    it('breaks a lastUsed tie by active session count', () => {
      const [a, b] = gateways(2);
      const order = ranking([a, b], [used(a.id, a.url, 100), used(b.id, b.url, 100, { active: true })]);
      expect(order).toEqual([b.url, a.url]);
    });

    it('breaks an active-count tie by use count', () => {
      const [a, b] = gateways(2);
      const order = ranking(
        [a, b],
        [used(a.id, a.url, 100, { active: true, useCount: 3 }), used(b.id, b.url, 100, { active: true, useCount: 9 })],
      );
      expect(order).toEqual([b.url, a.url]);
    });

    it('breaks a use-count tie by URL in ascending order', () => {
      const b = gateway('g-b', 'https://b.example/mcp');
      const a = gateway('g-a', 'https://a.example/mcp');
      const order = ranking([b, a], [used(b.id, b.url, 100), used(a.id, a.url, 100)]);
      expect(order).toEqual([a.url, b.url]);
    });

    it('orders URLs by Unicode code point where UTF-16 code-unit order disagrees', () => {
      const replacement = gateway('g-fffd', 'https://x/\uFFFD');
      const emoji = gateway('g-emoji', 'https://x/\u{1F600}');
      // JavaScript's `<` compares code units: the surrogate pair (0xD83D...) sorts before 0xFFFD.
      expect(emoji.url < replacement.url).toBe(true);
      const order = ranking(
        [emoji, replacement],
        [used(emoji.id, emoji.url, 100), used(replacement.id, replacement.url, 100)],
      );
      expect(order).toEqual([replacement.url, emoji.url]);
    });

    it("takes a server's most recent lastUsed, not a sum", () => {
      const [a, b] = gateways(2);
      const order = ranking([a, b], [used(a.id, a.url, 100), used(a.id, a.url, 250), used(b.id, b.url, 300)]);
      expect(order).toEqual([b.url, a.url]);
    });

    it("sums use counts over a server's used sessions", () => {
      const [a, b] = gateways(2);
      const order = ranking(
        [a, b],
        [
          used(a.id, a.url, 1000, { useCount: 3 }),
          used(a.id, a.url, 500, { useCount: 4 }),
          used(b.id, b.url, 1000, { useCount: 6 }),
        ],
      );
      expect(order).toEqual([a.url, b.url]);
    });

    it('counts active sessions of a server, used or not', () => {
      const [a, b] = gateways(2);
      const order = ranking(
        [a, b],
        [
          used(a.id, a.url, 100, { active: true }),
          used(b.id, b.url, 100, { active: true }),
          session({ url: b.url, gatewayId: b.id, lastUsed: 0, active: true }),
        ],
      );
      expect(order).toEqual([b.url, a.url]);
    });
  });

  describe('sessions that were never used', () => {
    it('counts a session with lastUsed 0 as active when it is checked out', () => {
      // URL order favours `first`; only the never-used active session can put `second` ahead.
      const first = gateway('g1', 'https://a.example/mcp');
      const second = gateway('g2', 'https://b.example/mcp');
      const order = ranking(
        [first, second],
        [
          used(first.id, first.url, 100),
          used(second.id, second.url, 100),
          session({ url: second.url, gatewayId: second.id, active: true }),
        ],
      );
      expect(order).toEqual([second.url, first.url]);
    });

    it('adds nothing else for a session with lastUsed 0', () => {
      const first = gateway('g1', 'https://a.example/mcp');
      const second = gateway('g2', 'https://b.example/mcp');
      const order = ranking(
        [first, second],
        [
          used(first.id, first.url, 100),
          used(second.id, second.url, 100),
          session({ url: second.url, gatewayId: second.id, useCount: 50 }),
        ],
      );
      expect(order).toEqual([first.url, second.url]);
    });

    it('does not make a server eligible through never-used sessions', () => {
      const list = gateways(5);
      const result = classifyServers({
        gateways: list,
        sessions: [session({ url: list[0].url, gatewayId: 'g0', useCount: 7 })],
        now: NOW,
      });
      expect(result.hot).toEqual([]);
      expect(result.cold).toEqual(list.map((g) => g.url));
      expect(result.metadata.eligibleCount).toBe(0);
    });

    it('does not make an active-only server eligible', () => {
      const list = gateways(5);
      const busy = Array.from({ length: 3 }, () => session({ url: list[2].url, gatewayId: 'g2', active: true }));
      const result = classifyServers({ gateways: list, sessions: busy, now: NOW });
      expect(result.metadata.hotCap).toBe(1);
      expect(result.hot).toEqual([]);
      expect(result.cold).toContain(list[2].url);
      expect(result.metadata.eligibleCount).toBe(0);
    });

    it.each([NaN, -1, -Infinity])('treats a lastUsed of %p as never used', (lastUsed) => {
      const [a, b] = gateways(2);
      // The bad session's use count would put `a` first if it were counted.
      const order = ranking(
        [a, b],
        [
          used(a.id, a.url, 100),
          used(a.id, a.url, lastUsed, { useCount: 50 }),
          used(b.id, b.url, 100, { useCount: 2 }),
        ],
      );
      expect(order).toEqual([b.url, a.url]);
      expect(ranking([a, b], [used(a.id, a.url, lastUsed)])).toEqual([]);
    });

    it('treats an infinite lastUsed as never used, since it is no point in time', () => {
      const [a, b] = gateways(2);
      expect(ranking([a, b], [used(a.id, a.url, Infinity), used(b.id, b.url, 100)])).toEqual([b.url]);
    });
  });

  describe('resolving sessions to servers', () => {
    it('resolves a session through its gateway id rather than its pool URL', () => {
      const [a, b] = gateways(2);
      expect(ranking([a, b], [session({ url: b.url, gatewayId: a.id, lastUsed: 100 })])).toEqual([a.url]);
    });

    it('maps a credential-bearing pool URL to the canonical URL of a known gateway', () => {
      const list = [gateway('g-x', 'https://x/mcp'), ...gateways(4)];
      const result = classifyServers({
        gateways: list,
        sessions: [session({ url: 'https://x/mcp?api_key=SECRET', gatewayId: 'g-x', lastUsed: 100 })],
        now: NOW,
      });
      expect(result.hot).toEqual(['https://x/mcp']);
      expect(JSON.stringify(result)).not.toContain('SECRET');
    });

    it('falls back to the pool URL for an unknown gateway id when that URL is a known server', () => {
      const [a, b] = gateways(2);
      expect(ranking([a, b], [session({ url: b.url, gatewayId: 'removed', lastUsed: 100 })])).toEqual([b.url]);
    });

    it.each([undefined, ''])('falls back to the pool URL when the gateway id is %p', (gatewayId) => {
      const [a, b] = gateways(2);
      expect(ranking([a, b], [session({ url: b.url, gatewayId, lastUsed: 100 })])).toEqual([b.url]);
    });

    it('ignores a session with an unknown gateway id whose pool URL is not a known server', () => {
      const list = gateways(5);
      const result = classifyServers({
        gateways: list,
        sessions: [
          session({ url: `${list[0].url}?api_key=SECRET`, gatewayId: 'removed', lastUsed: 100, active: true }),
        ],
        now: NOW,
      });
      expect(result.metadata.eligibleCount).toBe(0);
      expect(result.cold).toEqual(list.map((g) => g.url));
      expect(JSON.stringify(result)).not.toContain('SECRET');
    });
  });

  describe('servers shared by several gateways', () => {
    it('counts a URL shared by several gateways once, at its first position', () => {
      const list = [
        gateway('g1', 'https://a/'),
        gateway('g2', 'https://b/'),
        gateway('g3', 'https://a/'),
        gateway('g4', 'https://c/'),
      ];
      const result = classifyServers({ gateways: list, sessions: [], now: NOW });
      expect(result.cold).toEqual(['https://a/', 'https://b/', 'https://c/']);
      expect(result.metadata.totalServers).toBe(3);
    });

    it('aggregates the sessions of every gateway that shares a URL', () => {
      const list = [gateway('g1', 'https://a/'), gateway('g2', 'https://b/'), gateway('g3', 'https://a/')];
      // Either gateway of https://a/ alone loses to https://b/; together they win on use count.
      const sessions = [
        used('g1', 'https://a/', 100, { useCount: 2 }),
        used('g3', 'https://a/', 100, { useCount: 2, active: true }),
        used('g2', 'https://b/', 100, { useCount: 3, active: true }),
      ];
      expect(ranking(list, sessions)).toEqual(['https://a/', 'https://b/']);
    });
  });

  describe('hot and cold', () => {
    it('makes the top floor(0.2 × N) eligible servers hot by default', () => {
      const list = gateways(14);
      const sessions = list.map((g, i) => used(g.id, g.url, 1000 + i));
      const result = classifyServers({ gateways: list, sessions, now: NOW });
      expect(result.hot).toEqual([url(13), url(12)]);
      expect(result.cold).toHaveLength(12);
    });

    it('does not backfill hot with ineligible servers', () => {
      const list = gateways(10);
      const result = classifyServers({ gateways: list, sessions: [used('g7', url(7), 100)], now: NOW });
      expect(result.hot).toEqual([url(7)]);
      expect(result.cold).toHaveLength(9);
    });

    it('lists cold servers in gateway order', () => {
      const list = [8, 3, 5, 0, 9, 1, 7, 2, 6, 4].map((i) => gateway(`g${i}`, url(i)));
      const sessions = [used('g5', url(5), 200), used('g2', url(2), 300), used('g6', url(6), 100)];
      const result = classifyServers({ gateways: list, sessions, now: NOW });
      expect(result.hot).toEqual([url(2), url(5)]);
      expect(result.cold).toEqual([8, 3, 0, 9, 1, 7, 6, 4].map(url));
    });

    it('classifies every server cold when the pool is empty', () => {
      const list = gateways(10);
      const result = classifyServers({ gateways: list, sessions: [], now: NOW });
      expect(result.hot).toEqual([]);
      expect(result.cold).toEqual(list.map((g) => g.url));
      expect(result.metadata).toMatchObject({ totalServers: 10, hotCap: 2, hotActual: 0, eligibleCount: 0 });
    });

    it.each([
      [4, 4],
      [4, 0],
      [1, 1],
    ])('makes no server hot with %i servers of which %i are used', (count, usedCount) => {
      const list = gateways(count);
      const sessions = list.slice(0, usedCount).map((g) => used(g.id, g.url, 100));
      const result = classifyServers({ gateways: list, sessions, now: NOW });
      expect(result.hot).toEqual([]);
      expect(result.cold).toEqual(list.map((g) => g.url));
      expect(result.metadata.hotCap).toBe(0);
      expect(result.metadata).not.toHaveProperty('underutilizedReason');
    });

    it('returns an empty classification when there are no gateways', () => {
      const result = classifyServers({
        gateways: [],
        sessions: [session({ url: 'https://a/', lastUsed: 1 })],
        now: NOW,
      });
      expect(result).toEqual({
        hot: [],
        cold: [],
        metadata: { totalServers: 0, hotCap: 0, hotActual: 0, eligibleCount: 0, timestamp: NOW },
      });
    });
  });

  describe('metadata', () => {
    it('reports totalServers, hotCap, hotActual and eligibleCount', () => {
      const list = gateways(23);
      const sessions = list.slice(0, 7).map((g, i) => used(g.id, g.url, 100 + i));
      const { metadata } = classifyServers({ gateways: list, sessions, now: NOW });
      expect(metadata).toEqual({ totalServers: 23, hotCap: 4, hotActual: 4, eligibleCount: 7, timestamp: NOW });
    });

    it('explains underutilization in the words of the seed', () => {
      const result = classifyServers({ gateways: gateways(10), sessions: [used('g3', url(3), 100)], now: NOW });
      expect(result.metadata.underutilizedReason).toBe('Only 1 servers have pooled sessions, below hot_cap=2');
    });

    it('omits underutilizedReason when eligible servers reach the hot cap', () => {
      const sessions = [used('g3', url(3), 100), used('g4', url(4), 100)];
      const { metadata } = classifyServers({ gateways: gateways(10), sessions, now: NOW });
      expect(metadata.eligibleCount).toBe(metadata.hotCap);
      expect(metadata).not.toHaveProperty('underutilizedReason');
    });

    it('stamps now as the timestamp', () => {
      expect(classifyServers({ gateways: gateways(3), sessions: [], now: 42 }).metadata.timestamp).toBe(42);
    });

    it('stamps the current time when now is not given', () => {
      const clock = jest.spyOn(Date, 'now').mockReturnValue(1234);
      try {
        expect(classifyServers({ gateways: gateways(3), sessions: [] }).metadata.timestamp).toBe(1234);
      } finally {
        clock.mockRestore();
      }
    });
  });

  describe('hotRatio', () => {
    const list = gateways(10);
    const everyOneUsed = list.map((g, i) => used(g.id, g.url, 100 + i));

    it.each([
      [0.5, 5],
      [0.35, 3],
      [0.2, 2],
      [0.19, 1],
    ])('caps hot at floor(%p × N)', (hotRatio, expected) => {
      const result = classifyServers({ gateways: list, sessions: everyOneUsed, hotRatio, now: NOW });
      expect(result.metadata.hotCap).toBe(expected);
      expect(result.hot).toHaveLength(expected);
    });

    it('makes no server hot with hotRatio 0', () => {
      const result = classifyServers({ gateways: list, sessions: everyOneUsed, hotRatio: 0, now: NOW });
      expect(result.hot).toEqual([]);
      expect(result.metadata).not.toHaveProperty('underutilizedReason');
    });

    it('makes every eligible server hot with hotRatio 1', () => {
      const result = classifyServers({ gateways: list, sessions: everyOneUsed.slice(0, 6), hotRatio: 1, now: NOW });
      expect(result.hot).toHaveLength(6);
      expect(result.metadata.underutilizedReason).toBe('Only 6 servers have pooled sessions, below hot_cap=10');
    });

    it.each([-0.1, 1.5, NaN, Infinity])('rejects hotRatio %p with a RangeError', (hotRatio) => {
      expect(() => classifyServers({ gateways: list, sessions: [], hotRatio })).toThrow(RangeError);
    });
  });

  describe('compared with a straight transcription of the seed', () => {
    it('gives the same result on generated inputs', () => {
      fc.assert(
        fc.property(seedInputArbitrary, ({ gateways: list, sessions, hotRatio }) => {
          const actual = classifyServers({ gateways: list, sessions, hotRatio, now: NOW });
          expect(actual).toEqual(seedClassify(list, sessions, hotRatio ?? 0.2, NOW));
        }),
        { numRuns: 400 },
      );
    });
  });
});

describe('compareCodePoints', () => {
  it('orders characters above U+FFFF after U+E000..U+FFFF', () => {
    expect(compareCodePoints('\u{10000}', '\uFFFF')).toBeGreaterThan(0);
    expect(compareCodePoints('\uE000', '\u{1F600}')).toBeLessThan(0);
  });

  it('orders lone surrogates by their own code point', () => {
    expect(compareCodePoints('\uD800', '\uE000')).toBeLessThan(0);
    expect(compareCodePoints('\uDC00', '\u{10000}')).toBeLessThan(0);
    expect(compareCodePoints('a\uD800b', 'a\u{10000}')).toBeLessThan(0);
  });

  it('orders a prefix first', () => {
    expect(compareCodePoints('abc', 'abcd')).toBeLessThan(0);
    expect(compareCodePoints('\uD800', '\uD800\uDC00')).toBeLessThan(0);
  });

  it('agrees with code-point order on arbitrary UTF-16 strings', () => {
    // Few distinct units, so strings often share prefixes and surrogates meet their neighbours.
    const unit = fc.constantFrom(
      'a',
      'z',
      '\uD7FF',
      '\uD800',
      '\uDBFF',
      '\uDC00',
      '\uDFFF',
      '\uE000',
      '\uFFFD',
      '\uFFFF',
    );
    const text = fc.string({ unit, maxLength: 6 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(comparePython(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('kthLargest', () => {
  // Few distinct values, so ties meet the pivot; a round budget of 0 or 1 forces the sorted fallback.
  const values = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 40 });
  const cases = values.chain((list) =>
    fc.record({
      list: fc.constant(list),
      k: fc.integer({ min: 1, max: list.length }),
      rounds: fc.constantFrom(0, 1, 3, undefined),
    }),
  );

  it('returns the k-th largest value, with or without the sorted fallback', () => {
    fc.assert(
      fc.property(cases, ({ list, k, rounds }) => {
        const expected = [...list].sort((a, b) => b - a)[k - 1];
        expect(kthLargest(Float64Array.from(list), k, rounds)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The seed's `_classify_servers_from_pool`, transcribed statement by statement with no care for
// speed, so the optimised classifier can be checked against it.

interface SeedMetrics {
  url: string;
  serverLastUsed: number;
  activeSessionCount: number;
  totalUseCount: number;
  pooledSessionCount: number;
}

function seedClassify(
  gatewayList: readonly UpstreamRef[],
  sessions: readonly SessionUsage[],
  hotRatio: number,
  now: number,
): ClassificationResult {
  // gateway_url_map = {id: url for enabled gateways}: a repeated id keeps its first slot, last URL.
  const gatewayUrlMap = new Map<string, string>();
  for (const g of gatewayList) gatewayUrlMap.set(g.id, g.url);
  const allGatewayUrls = [...new Set(gatewayUrlMap.values())];

  const totalServers = allGatewayUrls.length;
  const hotCap = Math.floor(hotRatio * totalServers);
  const canonicalUrlSet = new Set(allGatewayUrls);
  const serverMetrics = new Map<string, SeedMetrics>();

  const metricsFor = (at: string): SeedMetrics => {
    let metrics = serverMetrics.get(at);
    if (!metrics) {
      metrics = { url: at, serverLastUsed: 0, activeSessionCount: 0, totalUseCount: 0, pooledSessionCount: 0 };
      serverMetrics.set(at, metrics);
    }
    return metrics;
  };
  const accumulateSession = (at: string, s: SessionUsage): void => {
    const metrics = metricsFor(at);
    if (s.lastUsed > 0) {
      metrics.serverLastUsed = Math.max(metrics.serverLastUsed, s.lastUsed);
      metrics.totalUseCount += s.useCount;
    }
    metrics.pooledSessionCount += 1;
  };
  const resolveCanonicalUrl = (s: SessionUsage): string | undefined =>
    s.gatewayId && gatewayUrlMap.has(s.gatewayId) ? gatewayUrlMap.get(s.gatewayId) : undefined;

  // pool._pools: idle sessions.
  for (const s of sessions.filter((x) => !x.active)) {
    const at = resolveCanonicalUrl(s) || s.url;
    if (!canonicalUrlSet.has(at)) continue;
    accumulateSession(at, s);
  }
  // pool._active: checked-out sessions.
  for (const s of sessions.filter((x) => x.active)) {
    const at = resolveCanonicalUrl(s) || s.url;
    if (!canonicalUrlSet.has(at)) continue;
    metricsFor(at).activeSessionCount += 1;
    accumulateSession(at, s);
  }

  const eligibleServers = [...serverMetrics.values()].filter((m) => m.serverLastUsed > 0);
  const eligibleCount = eligibleServers.length;
  const key = (m: SeedMetrics): PyKey => [-m.serverLastUsed, -m.activeSessionCount, -m.totalUseCount, m.url];
  eligibleServers.sort((a, b) => compareKeys(key(a), key(b)));

  const hotActual = Math.min(hotCap, eligibleCount);
  const hotServers = eligibleServers.slice(0, hotActual).map((m) => m.url);
  const hotSet = new Set(hotServers);
  const coldServers = allGatewayUrls.filter((u) => !hotSet.has(u));

  const metadata: ClassificationResult['metadata'] = { totalServers, hotCap, hotActual, eligibleCount, timestamp: now };
  if (eligibleCount < hotCap) {
    metadata.underutilizedReason = `Only ${eligibleCount} servers have pooled sessions, below hot_cap=${hotCap}`;
  }
  return { hot: hotServers, cold: coldServers, metadata };
}

type PyKey = [number, number, number, string];

/** Python's tuple comparison for the sort key. */
function compareKeys(a: PyKey, b: PyKey): number {
  for (let i = 0; i < 3; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return comparePython(a[3], b[3]);
}

/** Python's str comparison: lexicographic over code points (a lone surrogate is its own code point). */
function comparePython(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

// Small alphabets and id pools, so URLs, ids and usage figures collide and every tie-breaker runs.
const urlArbitrary = fc.string({
  unit: fc.constantFrom('a', '\uE000', '\uFFFD', '\u{10000}', '\u{1F600}'),
  minLength: 1,
  maxLength: 3,
});
const idArbitrary = fc.constantFrom('g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7');

const seedInputArbitrary = fc
  .array(fc.record({ id: idArbitrary, url: urlArbitrary }), { maxLength: 14 })
  .chain((list) => {
    const knownUrl = list.length > 0 ? fc.constantFrom(...list.map((g) => g.url)) : urlArbitrary;
    const poolUrl = fc.oneof(
      { weight: 4, arbitrary: knownUrl },
      { weight: 1, arbitrary: knownUrl.map((u) => `${u}?api_key=SECRET`) },
      { weight: 1, arbitrary: urlArbitrary },
    );
    const sessionArbitrary: fc.Arbitrary<SessionUsage> = fc.record({
      url: poolUrl,
      gatewayId: fc.option(fc.oneof(idArbitrary, fc.constantFrom('', 'removed')), { nil: undefined }),
      lastUsed: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, NaN) },
        { weight: 1, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) },
      ),
      useCount: fc.nat(2),
      active: fc.boolean(),
    });
    return fc.record({
      gateways: fc.constant(list),
      sessions: fc.array(sessionArbitrary, { maxLength: 20 }),
      hotRatio: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    });
  });
