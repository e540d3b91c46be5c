import fc from 'fast-check';
import { classifyServers, classifyUsage, createClassifier } from './classify';
import { mergeUsage, summarizeSessions } from './usage-summary';
import { parseUsageSummary, serializeUsageSummary } from './usage-wire';
import type { UpstreamRef, SessionUsage } from './types';

const NOW = 1_700_000_000_000;
const RUNS = { numRuns: 300 };

// Small pools of URLs and ids so that gateways share URLs, sessions share servers and usage
// figures tie; two characters on either side of U+FFFF keep code-point order honest.
const urlArbitrary = fc
  .string({ unit: fc.constantFrom('a', 'b', '\uFFFD', '\u{1F600}'), minLength: 1, maxLength: 3 })
  .map((path) => `https://h/${path}`);
const idArbitrary = fc.string({
  unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'),
  minLength: 1,
  maxLength: 2,
});

/** Gateways with distinct ids (as a database yields them); URLs may repeat. */
const gatewaysArbitrary: fc.Arbitrary<UpstreamRef[]> = fc.uniqueArray(
  fc.record({ id: idArbitrary, url: urlArbitrary }),
  {
    selector: (g) => g.id,
    maxLength: 30,
  },
);

function sessionsArbitrary(gateways: readonly UpstreamRef[]): fc.Arbitrary<SessionUsage[]> {
  const known =
    gateways.length > 0 ? fc.constantFrom(...gateways) : fc.constant<UpstreamRef>({ id: 'none', url: 'https://h/none' });
  const session = fc
    .record({
      gateway: known,
      // Known id, unknown id, or none; the pool URL is canonical, credential-bearing or foreign.
      idKind: fc.constantFrom('known', 'known', 'known', 'unknown', 'none'),
      urlKind: fc.constantFrom('canonical', 'canonical', 'credentials', 'foreign'),
      foreign: urlArbitrary,
      secret: fc.nat(),
      lastUsed: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, NaN) },
      ),
      useCount: fc.nat(2),
      active: fc.boolean(),
    })
    .map(({ gateway, idKind, urlKind, foreign, secret, lastUsed, useCount, active }): SessionUsage => {
      const url =
        urlKind === 'canonical'
          ? gateway.url
          : urlKind === 'credentials'
            ? `${gateway.url}?api_key=SECRET-${secret}`
            : foreign;
      const gatewayId = idKind === 'known' ? gateway.id : idKind === 'unknown' ? `removed-${gateway.id}` : undefined;
      return { url, gatewayId, lastUsed, useCount, active };
    });
  return fc.array(session, { maxLength: 30 });
}

const inputArbitrary = gatewaysArbitrary.chain((gateways) =>
  fc.record({
    gateways: fc.constant(gateways),
    sessions: sessionsArbitrary(gateways),
    hotRatio: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

function shuffled<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
}

function distinctUrls(gateways: readonly UpstreamRef[]): string[] {
  return [...new Set(gateways.map((g) => g.url))];
}

interface Usage {
  lastUsed: number;
  active: number;
  uses: number;
}

/** Usage per server, from DESIGN.md's rules written as plainly as possible. */
function usageByServer(gateways: readonly UpstreamRef[], sessions: readonly SessionUsage[]): Map<string, Usage> {
  const urlById = new Map(gateways.map((g) => [g.id, g.url]));
  const usage = new Map(
    distinctUrls(gateways).map((url): [string, Usage] => [url, { lastUsed: 0, active: 0, uses: 0 }]),
  );
  for (const s of sessions) {
    const byId = s.gatewayId ? urlById.get(s.gatewayId) : undefined;
    const server = usage.get(byId ?? s.url);
    if (!server) continue;
    if (s.active) server.active += 1;
    if (s.lastUsed > 0) {
      server.lastUsed = Math.max(server.lastUsed, s.lastUsed);
      server.uses += s.useCount;
    }
  }
  return usage;
}

/** Negative when server `a` ranks before `b`. */
function rank(usage: Map<string, Usage>, a: string, b: string): number {
  const x = usage.get(a) as Usage;
  const y = usage.get(b) as Usage;
  if (x.lastUsed !== y.lastUsed) return y.lastUsed - x.lastUsed;
  if (x.active !== y.active) return y.active - x.active;
  if (x.uses !== y.uses) return y.uses - x.uses;
  const p = Array.from(a, (c) => c.codePointAt(0) as number);
  const q = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(p.length, q.length); i++) if (p[i] !== q[i]) return p[i] - q[i];
  return p.length - q.length;
}

describe('classifyServers properties', () => {
  it('never puts a server in both hot and cold', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const { hot, cold } = classifyServers({ ...input, now: NOW });
        const hotSet = new Set(hot);
        expect(cold.filter((url) => hotSet.has(url))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('covers every distinct gateway URL exactly once', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const { hot, cold, metadata } = classifyServers({ ...input, now: NOW });
        const all = [...hot, ...cold];
        const expected = distinctUrls(input.gateways);
        expect(all).toHaveLength(expected.length);
        expect(new Set(all)).toEqual(new Set(expected));
        expect(metadata.totalServers).toBe(expected.length);
      }),
      RUNS,
    );
  });

  it('makes min(floor(ratio × N), eligible) servers hot', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const { hot, metadata } = classifyServers({ ...input, now: NOW });
        const servers = distinctUrls(input.gateways).length;
        const eligible = [...usageByServer(input.gateways, input.sessions).values()].filter(
          (u) => u.lastUsed > 0,
        ).length;
        const hotCap = Math.floor(input.hotRatio * servers);
        expect(hot).toHaveLength(Math.min(hotCap, eligible));
        expect(metadata).toMatchObject({ hotCap, hotActual: hot.length, eligibleCount: eligible });
        expect(metadata.underutilizedReason !== undefined).toBe(eligible < hotCap);
      }),
      RUNS,
    );
  });

  it('makes only eligible servers hot', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const usage = usageByServer(input.gateways, input.sessions);
        for (const url of classifyServers({ ...input, now: NOW }).hot)
          expect((usage.get(url) as Usage).lastUsed).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('lists hot servers in rank order, each ahead of every eligible cold server', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const usage = usageByServer(input.gateways, input.sessions);
        const { hot, cold } = classifyServers({ ...input, now: NOW });
        for (let k = 1; k < hot.length; k++) expect(rank(usage, hot[k - 1], hot[k])).toBeLessThan(0);
        const last = hot[hot.length - 1];
        if (last === undefined) return;
        for (const url of cold) {
          if ((usage.get(url) as Usage).lastUsed > 0) expect(rank(usage, last, url)).toBeLessThan(0);
        }
      }),
      RUNS,
    );
  });

  it('orders servers tied on usage by URL code point', () => {
    fc.assert(
      fc.property(gatewaysArbitrary, (gateways) => {
        // One identical session per server, so only the URL can separate them.
        const servers = distinctUrls(gateways);
        const sessions = servers.map((url): SessionUsage => ({ url, lastUsed: 1, useCount: 1, active: false }));
        const usage = usageByServer(gateways, sessions);
        const expected = [...servers].sort((a, b) => rank(usage, a, b));
        expect(classifyServers({ gateways, sessions, hotRatio: 1, now: NOW }).hot).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('does not depend on the order of sessions', () => {
    const withShuffle = inputArbitrary.chain((input) =>
      fc.record({ input: fc.constant(input), sessions: shuffled(input.sessions) }),
    );
    fc.assert(
      fc.property(withShuffle, ({ input, sessions }) => {
        expect(classifyServers({ ...input, sessions, now: NOW })).toEqual(classifyServers({ ...input, now: NOW }));
      }),
      RUNS,
    );
  });

  it('changes only the cold order when gateways are reordered', () => {
    const withShuffle = inputArbitrary.chain((input) =>
      fc.record({ input: fc.constant(input), gateways: shuffled(input.gateways) }),
    );
    fc.assert(
      fc.property(withShuffle, ({ input, gateways }) => {
        const original = classifyServers({ ...input, now: NOW });
        const reordered = classifyServers({ ...input, gateways, now: NOW });
        expect(reordered.hot).toEqual(original.hot);
        expect(reordered.metadata).toEqual(original.metadata);
        const hotSet = new Set(original.hot);
        expect(reordered.cold).toEqual(distinctUrls(gateways).filter((url) => !hotSet.has(url)));
      }),
      RUNS,
    );
  });

  it('never lets a credential-bearing pool URL into the result', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        expect(JSON.stringify(classifyServers({ ...input, now: NOW }))).not.toContain('SECRET');
      }),
      RUNS,
    );
  });

  it('counts a used credential-bearing session of a known gateway under its canonical URL', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        // With ratio 1 every eligible server is hot, so hot shows which servers the sessions reached.
        const hot = new Set(classifyServers({ ...input, hotRatio: 1, now: NOW }).hot);
        const urlById = new Map(input.gateways.map((g) => [g.id, g.url]));
        for (const s of input.sessions) {
          const canonical = s.gatewayId ? urlById.get(s.gatewayId) : undefined;
          if (canonical !== undefined && s.url.includes('SECRET') && s.lastUsed > 0) expect(hot).toContain(canonical);
        }
      }),
      RUNS,
    );
  });

  it('is a pure function of its input', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const before = JSON.stringify(input);
        const first = classifyServers({ ...input, now: NOW });
        expect(JSON.stringify(input)).toBe(before);
        expect(classifyServers({ ...input, now: NOW })).toEqual(first);
      }),
      RUNS,
    );
  });
});

describe('createClassifier', () => {
  it('answers every input of a sequence exactly as classifyServers does', () => {
    // Sequences repeat a gateway list (as copies, as the database hands them out), change it, and
    // edit it in place between calls; the reused index must never be a stale one.
    const step = fc.oneof(
      { weight: 2, arbitrary: fc.constant<'same'>('same') },
      { weight: 1, arbitrary: fc.constant<'edit'>('edit') },
      { weight: 1, arbitrary: inputArbitrary.map((input) => ({ input })) },
    );
    fc.assert(
      fc.property(inputArbitrary, fc.array(step, { maxLength: 8 }), urlArbitrary, (first, steps, newUrl) => {
        const classifier = createClassifier();
        let current = first;
        const check = (): void => {
          const expected = classifyServers({ ...current, now: NOW });
          expect(classifier.classify({ ...current, now: NOW })).toEqual(expected);
        };
        check();
        for (const s of steps) {
          if (s === 'same') {
            current = { ...current, gateways: current.gateways.map((g) => ({ ...g })) };
          } else if (s === 'edit') {
            if (current.gateways.length > 0) current.gateways[current.gateways.length - 1].url = newUrl;
          } else {
            current = s.input;
          }
          check();
        }
      }),
      RUNS,
    );
  });
});

describe('classification from fleet usage summaries', () => {
  const pinnedGateways = gatewaysArbitrary.chain((gateways) =>
    fc
      .array(fc.constantFrom<UpstreamRef['pin']>(null, null, null, 'hot', 'cold'), {
        minLength: gateways.length,
        maxLength: gateways.length,
      })
      .map((pins) => gateways.map((g, i) => ({ ...g, pin: pins[i] }))),
  );
  const fleetArbitrary = pinnedGateways.chain((gateways) =>
    fc.record({
      gateways: fc.constant(gateways),
      workers: fc.array(sessionsArbitrary(gateways), { minLength: 1, maxLength: 8 }),
      hotRatio: fc.double({ min: 0, max: 1, noNaN: true }),
      minHot: fc.nat(4),
    }),
  );

  it('equals classifyServers over the union of every worker’s sessions, through the wire', () => {
    fc.assert(
      fc.property(fleetArbitrary, ({ gateways, workers, hotRatio, minHot }) => {
        const summaries = workers.map((sessions, w) => {
          const wire = serializeUsageSummary({ instanceId: `w${w}`, at: NOW, usage: summarizeSessions(gateways, sessions) });
          const parsed = parseUsageSummary(wire, NOW);
          if (typeof parsed === 'string') throw new Error(parsed);
          return parsed.usage;
        });
        const fromSummaries = classifyUsage({ gateways, usage: mergeUsage(summaries), hotRatio, minHot, now: NOW });
        const fromSessions = classifyServers({ gateways, sessions: workers.flat(), hotRatio, minHot, now: NOW });
        expect(fromSummaries).toEqual(fromSessions);
      }),
      RUNS,
    );
  });

  it('never names a URL in a summary, so no credential reaches Redis', () => {
    fc.assert(
      fc.property(fleetArbitrary, ({ gateways, workers }) => {
        const ids = new Set(gateways.map((g) => g.id));
        for (const sessions of workers) {
          for (const id of summarizeSessions(gateways, sessions).keys()) expect(ids.has(id)).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
