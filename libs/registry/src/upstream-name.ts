import { printableProblem } from '@app/common';
import { InvalidUpstreamSettingError } from './errors';

/**
 * Why `name` cannot name an upstream, or null when it can. A name goes into log lines, error
 * texts and answers as it is, so it must be printable (no control, format, bidi, separator,
 * private-use, surrogate or unassigned characters; see @app/common's printable.ts). The reason
 * names the offending character as `U+XXXX`, never the character itself.
 */
export function upstreamNameProblem(name: string): string | null {
  return printableProblem(name);
}

/**
 * Refuses a name that is not printable. The admin API checks the same before it calls; this
 * guards every other caller. Names stored before the rule are still read, and escaped where logged.
 */
export function assertUpstreamName(name: string): void {
  const problem = upstreamNameProblem(name);
  if (problem !== null) throw new InvalidUpstreamSettingError('name', problem);
}
