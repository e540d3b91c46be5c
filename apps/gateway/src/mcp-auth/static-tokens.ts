import { createHash, timingSafeEqual } from 'node:crypto';
import type { StaticToken } from './client-auth-settings';

/**
 * The static tokens, kept as SHA-256 digests. A candidate is hashed and compared with every
 * digest in constant time, so neither its length nor its first differing byte shows in timing.
 */
export class StaticTokens {
  private readonly entries: readonly { principal: string; digest: Buffer }[];

  constructor(tokens: readonly StaticToken[]) {
    this.entries = tokens.map(({ principal, token }) => ({ principal, digest: digestOf(token) }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal the token names, or null. */
  principalOf(candidate: string): string | null {
    const digest = digestOf(candidate);
    let found: string | null = null;
    for (const entry of this.entries) {
      // No early exit: every entry is compared whatever matched before.
      if (timingSafeEqual(entry.digest, digest) && found === null) found = entry.principal;
    }
    return found;
  }
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
