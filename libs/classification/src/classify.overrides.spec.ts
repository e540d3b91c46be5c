import { classifyServers, classifyUsage } from './classify';
import { classificationMessages as messages } from './classification.messages';
import type { SessionUsage, UpstreamRef } from './types';

const NOW = 1_700_000_000_000;

const upstreams = (count: number): UpstreamRef[] =>
  Array.from({ length: count }, (_, i) => ({ id: `g${i}`, url: `https://s${i}.example/mcp` }));

const used = (g: UpstreamRef, lastUsed: number): SessionUsage => ({
  url: g.url,
  gatewayId: g.id,
  lastUsed,
  useCount: 1,
  active: false,
});

describe('minHot', () => {
  it('keeps the one busy upstream of four hot, where the seed’s cap of floor(0.2 × 4) = 0 keeps none', () => {
    const list = upstreams(4);
    const sessions = [used(list[2], 100)];
    expect(classifyServers({ gateways: list, sessions, now: NOW }).hot).toEqual([]);
    const result = classifyServers({ gateways: list, sessions, minHot: 1, now: NOW });
    expect(result.hot).toEqual([list[2].url]);
    expect(result.metadata).toMatchObject({ hotCap: 1, hotActual: 1, eligibleCount: 1 });
  });

  it('never makes an unused upstream hot to reach it', () => {
    const list = upstreams(4);
    const result = classifyServers({ gateways: list, sessions: [used(list[0], 5)], minHot: 3, now: NOW });
    expect(result.hot).toEqual([list[0].url]);
    expect(result.metadata.underutilizedReason).toBe(messages.underutilizedReason(1, 3));
  });

  it('does not lower the ratio’s cap, nor exceed the number of upstreams', () => {
    const list = upstreams(20);
    const sessions = list.map((g, i) => used(g, i + 1));
    expect(classifyServers({ gateways: list, sessions, minHot: 1, now: NOW }).metadata.hotCap).toBe(4);
    expect(classifyServers({ gateways: list.slice(0, 2), sessions, minHot: 9, now: NOW }).metadata.hotCap).toBe(2);
  });

  it('rejects a negative or fractional minHot', () => {
    expect(() => classifyServers({ gateways: upstreams(1), sessions: [], minHot: -1 })).toThrow(RangeError);
    expect(() => classifyServers({ gateways: upstreams(1), sessions: [], minHot: 0.5 })).toThrow(RangeError);
  });
});

describe('pins', () => {
  it('makes a pinned-hot upstream hot without any use, beside the ranked ones', () => {
    const list = upstreams(10);
    list[7] = { ...list[7], pin: 'hot' };
    const sessions = [used(list[0], 10), used(list[1], 20), used(list[2], 30)];
    const result = classifyServers({ gateways: list, sessions, now: NOW });
    // The cap (2) is filled by usage; the pin comes on top of it.
    expect(result.hot).toEqual([list[7].url, list[2].url, list[1].url]);
    expect(result.cold).not.toContain(list[7].url);
  });

  it('keeps a pinned-cold upstream cold even when it is the busiest, and gives its slot to the next', () => {
    const list = upstreams(5);
    list[4] = { ...list[4], pin: 'cold' };
    const sessions = [used(list[4], 99), used(list[1], 50)];
    expect(classifyServers({ gateways: list, sessions, now: NOW }).hot).toEqual([list[1].url]);
  });

  it('pins an upstream shared by several registrations hot when any of them is pinned hot', () => {
    const shared = 'https://shared.example/mcp';
    const list: UpstreamRef[] = [
      { id: 'a', url: shared, pin: 'cold' },
      { id: 'b', url: shared, pin: 'hot' },
      { id: 'c', url: 'https://other.example/mcp' },
    ];
    expect(classifyServers({ gateways: list, sessions: [], now: NOW }).hot).toEqual([shared]);
  });

  it('applies the same pins when classifying from usage summaries', () => {
    const list = upstreams(5);
    list[0] = { ...list[0], pin: 'cold' };
    list[3] = { ...list[3], pin: 'hot' };
    const usage = new Map([
      ['g0', { lastUsed: 90, active: 1, uses: 5 }],
      ['g2', { lastUsed: 40, active: 0, uses: 1 }],
    ]);
    expect(classifyUsage({ gateways: list, usage, minHot: 1, now: NOW }).hot).toEqual([list[3].url, list[2].url]);
  });
});
