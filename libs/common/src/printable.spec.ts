import { codePointName, escapeNonPrintable, findNonPrintable, isPrintable, printableProblem } from './printable';

describe('printable text', () => {
  it.each([
    ['U+0000', '\u0000', 'Cc'],
    ['U+001B', '\u001b', 'Cc'],
    ['U+007F', '\u007f', 'Cc'],
    ['U+0085', '\u0085', 'Cc'],
    ['U+009B', '\u009b', 'Cc'],
    ['U+00AD', '\u00ad', 'Cf'],
    ['U+200B', '\u200b', 'Cf'],
    ['U+202E', '\u202e', 'Cf'],
    ['U+2066', '\u2066', 'Cf'],
    ['U+FEFF', '\ufeff', 'Cf'],
    ['U+D800', '\ud800', 'Cs'],
    ['U+DFFF', '\udfff', 'Cs'],
    ['U+E000', '\ue000', 'Co'],
    ['U+F0000', '\u{f0000}', 'Co'],
    ['U+0378', '\u0378', 'Cn'],
    ['U+FFFF', '\uffff', 'Cn'],
    ['U+2028', '\u2028', 'Zl'],
    ['U+2029', '\u2029', 'Zp'],
  ])('finds %s (category %s) and names it without writing it', (name, character, category) => {
    const found = findNonPrintable(`ok ${character} ok`);
    expect(found).toMatchObject({ codePoint: name, category });
    expect(isPrintable(`ok${character}`)).toBe(false);
    const problem = printableProblem(`a${character}b`);
    expect(problem).toContain(name);
    expect(problem).not.toContain(character);
  });

  it('takes letters of any script, marks, digits, punctuation, symbols, emoji and spaces', () => {
    for (const text of [
      'plain',
      'Ünïcödé',
      'データ',
      'עברית',
      'a\u0301',
      '🚀 prod #1 (eu)',
      'a\u00a0b',
      'tab\u3000wide',
    ]) {
      expect([text, findNonPrintable(text)]).toEqual([text, null]);
    }
  });

  it('escapes every non-printable character for a log line and leaves the rest', () => {
    expect(escapeNonPrintable('a\u202eb\u2028c\u0085d\u009b31m')).toBe('a\\u202Eb\\u2028c\\u0085d\\u009B31m');
    expect(escapeNonPrintable('\u{f0000}x\ud800')).toBe('\\u{F0000}x\\uD800');
    expect(escapeNonPrintable('Ünïcödé 🚀')).toBe('Ünïcödé 🚀');
  });

  it('names code points with at least four hex digits', () => {
    expect([codePointName('\n'), codePointName('\u202e'), codePointName('\u{10fffd}')]).toEqual([
      'U+000A',
      'U+202E',
      'U+10FFFD',
    ]);
  });
});
