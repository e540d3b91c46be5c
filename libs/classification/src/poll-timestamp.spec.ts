import { maxFutureSkewSeconds, parsePollTimestamp } from './poll-timestamp';

describe('parsePollTimestamp', () => {
  const now = 1_800_000_000;

  it('reads a seed-written float of epoch seconds', () => {
    expect(parsePollTimestamp('1799999999.123456', now)).toBeCloseTo(1799999999.123456, 6);
  });

  it('reads whole epoch seconds', () => {
    expect(parsePollTimestamp('1799999000', now)).toBe(1799999000);
  });

  it('accepts a time up to 60 s ahead (clock skew between workers)', () => {
    expect(parsePollTimestamp(String(now + 60), now)).toBe(now + 60);
  });

  it('trusts a time ahead only within a minute and within one interval', () => {
    expect(maxFutureSkewSeconds(300)).toBe(60);
    expect(maxFutureSkewSeconds(2)).toBe(2);
    expect(parsePollTimestamp(String(now + 2), now, maxFutureSkewSeconds(2))).toBe(now + 2);
    expect(parsePollTimestamp(String(now + 30), now, maxFutureSkewSeconds(2))).toBeNull();
  });

  it.each([
    ['missing', null],
    ['more than 60 s in the future', String(now + 61)],
    ['far future', '9999999999999'],
    ['too many digits', '99999999999999999999'],
    ['negative', '-5'],
    ['zero', '0'],
    ['not a number', 'abc'],
    ['empty', ''],
    ['overflowing exponent', '1e400'],
    ['hexadecimal', '0x10'],
    ['padded with spaces', ' 12 '],
    ['Infinity', 'Infinity'],
    ['a huge string', '1'.repeat(1_000_000)],
  ])('treats a %s value as never polled', (_label, raw) => {
    expect(parsePollTimestamp(raw, now)).toBeNull();
  });
});
