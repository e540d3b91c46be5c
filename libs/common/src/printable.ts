/**
 * Printable text: what a name may hold, and how any text is made safe for a log line.
 *
 * Not printable are the Unicode categories that change how a line reads instead of adding to it:
 * Cc (controls: C0, DEL and C1, so also U+0085 NEL and U+009B CSI, which terminals obey), Cf
 * (format: bidi overrides such as U+202E, zero-width characters, soft hyphen), Cs (lone
 * surrogates), Co (private use), Cn (unassigned code points and noncharacters), Zl (U+2028) and
 * Zp (U+2029), which log viewers and JSON-lines readers take for line breaks.
 */

import { commonMessages } from './common.messages';

/** The general categories refused in names, each with the words messages use for it. */
export const NON_PRINTABLE_CATEGORIES = {
  Cc: 'a control character',
  Cf: 'a format character (bidi control, zero-width character)',
  Cs: 'a lone surrogate',
  Co: 'a private-use character',
  Cn: 'an unassigned code point',
  Zl: 'a line separator',
  Zp: 'a paragraph separator',
} as const;

export type NonPrintableCategory = keyof typeof NON_PRINTABLE_CATEGORIES;

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const NON_PRINTABLE_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
const CATEGORY_OF: ReadonlyArray<[NonPrintableCategory, RegExp]> = (
  Object.keys(NON_PRINTABLE_CATEGORIES) as NonPrintableCategory[]
).map((category) => [category, new RegExp(`^\\p{${category}}$`, 'u')]);

/** The first character of a text that is not printable, named for people. */
export interface NonPrintableCharacter {
  /** The character as `U+XXXX` (at least four hex digits), never the character itself. */
  codePoint: string;
  category: NonPrintableCategory;
  /** "a format character (…)" and the like. */
  description: string;
}

/** Whether every character of `text` is printable (see the file comment). */
export function isPrintable(text: string): boolean {
  return !NON_PRINTABLE.test(text);
}

/** The first non-printable character of `text`, or null when there is none. */
export function findNonPrintable(text: string): NonPrintableCharacter | null {
  const match = NON_PRINTABLE.exec(text);
  if (match === null) return null;
  const character = match[0];
  const category = CATEGORY_OF.find(([, pattern]) => pattern.test(character))?.[0] ?? 'Cn';
  return {
    codePoint: codePointName(character),
    category,
    description: NON_PRINTABLE_CATEGORIES[category],
  };
}

/**
 * Why `text` is not printable ("must contain printable characters only: U+202E is a format
 * character (…)"), or null when it is. Fit for a 400 or a configuration error: the character is
 * named, never written.
 */
export function printableProblem(text: string): string | null {
  const found = findNonPrintable(text);
  return found === null ? null : commonMessages.notPrintable(found.codePoint, found.description);
}

/** `U+202E`, `U+0085`, `U+10FFFD`: a character named without writing it. */
export function codePointName(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `text` fit for one log line: every non-printable character written as an escape (`\u202E`,
 * `\u{F0000}` beyond the BMP), everything else as it is. For names stored before names had to
 * be printable, and for names and texts that come from upstreams.
 */
export function escapeNonPrintable(text: string): string {
  if (isPrintable(text)) return text;
  return text.replace(NON_PRINTABLE_ALL, (character) => {
    const hex = (character.codePointAt(0) ?? 0).toString(16).toUpperCase();
    return hex.length <= 4 ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
  });
}
