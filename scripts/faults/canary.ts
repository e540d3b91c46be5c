import { randomBytes } from 'node:crypto';
import type { ExpectedCredentials } from '../../apps/gateway/test/support/upstream-fleet';

/**
 * A credential that must never be shown: a random marker placed in the user name, the password
 * and the query of one registered upstream, and in the path of another registered with a secret path. `+` is written literally in the URL: in the password
 * it stays a plus, in the query it is form encoding's space, so a redactor that compares decoded
 * and raw forms misses one of them.
 */
export class Canary {
  readonly marker = `cnry${randomBytes(8).toString('hex')}`;
  readonly credentials: ExpectedCredentials = {
    user: `u${this.marker}`,
    password: `p+${this.marker}`,
    apiKey: `k ${this.marker}`,
  };
  /** A path segment of a second upstream registered with `secretPath`. */
  readonly pathKey = `key+${this.marker}`;
  private readonly forms: string[];
  private readonly found = new Map<string, string>();

  constructor() {
    const basic = Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64');
    // The marker itself catches every URL encoding of the three parts; the Basic header is base64.
    this.forms = [this.marker, basic];
  }

  /** Records where the credential showed, with a short excerpt around it. */
  scan(where: string, text: string): void {
    for (const form of this.forms) {
      const index = text.indexOf(form);
      if (index >= 0 && !this.found.has(where)) {
        this.found.set(where, text.slice(Math.max(0, index - 60), index + form.length + 20).replace(/\s+/g, ' '));
      }
    }
  }

  /** The URL to register: the guard's, with every `+` literal rather than percent-encoded. */
  urlFor(guardedUrl: string): string {
    return guardedUrl.replace(/%2B/g, '+').replace(/%20/g, '+');
  }

  hits(): { where: string; excerpt: string }[] {
    return [...this.found].map(([where, excerpt]) => ({ where, excerpt }));
  }
}
