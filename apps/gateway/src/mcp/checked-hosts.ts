import { isIP, type LookupFunction } from 'node:net';
import {
  checkUpstreamAddress,
  dialableAddresses,
  type DialableAddress,
  type HostResolver,
  type UpstreamAddressPolicy,
} from '@app/registry';

/** A connection refused by the upstream address policy; the message names the policy's reason only. */
export class UpstreamAddressRefusedError extends Error {
  override readonly name = 'UpstreamAddressRefusedError';

  constructor(reason: string) {
    super(`upstream address refused: ${reason}`);
  }
}

interface HeldAnswer {
  addresses: DialableAddress[];
  holders: number;
}

/** A URL's hostname or a socket's host as net sees it: IPv6 literals without brackets. */
const bare = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The checked answers of the hosts that open upstream connections dial, so the address checked is
 * the address connected to (no window for DNS rebinding between the two). A connection resolves and
 * checks its host once (`hold`); until it lets go, every socket opened to that host gets one of those
 * addresses from `lookup` and nothing resolves the name again. The newest connection's answer is the
 * one handed out. A socket to a host nobody holds resolves and checks for itself. Either way a socket
 * is only ever given an address the policy allowed.
 */
export class CheckedHosts {
  private readonly held = new Map<string, HeldAnswer>();

  constructor(
    private readonly policy: UpstreamAddressPolicy,
    private readonly resolve: HostResolver,
  ) {}

  /**
   * Resolves and checks `hostname` once and holds the answer for the sockets to come; rejects with
   * the policy's reason when no address is allowed. Returns the (idempotent) release.
   */
  async hold(hostname: string): Promise<() => void> {
    const host = bare(hostname);
    const addresses = await this.check(host);
    if (isIP(host) !== 0) {
      return () => undefined; // sockets to a literal need no lookup; the connector checks them
    }
    const entry = this.held.get(host) ?? { addresses, holders: 0 };
    entry.addresses = addresses;
    entry.holders += 1;
    this.held.set(host, entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.holders -= 1;
      if (entry.holders === 0 && this.held.get(host) === entry) this.held.delete(host);
    };
  }

  /** How many hosts have a held answer (for tests and diagnostics). */
  heldCount(): number {
    return this.held.size;
  }

  /** For `net.connect`: the held answer of the host, or one resolved and checked now. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = bare(hostname);
    const held = this.held.get(host);
    const answer = held ? Promise.resolve(held.addresses) : this.check(host);
    answer.then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted === undefined ? addresses : addresses.filter((a) => a.family === wanted);
        const first = usable[0];
        if (first === undefined) {
          callback(new UpstreamAddressRefusedError(`no allowed IPv${wanted} address`), '');
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  /** The refusal for a socket about to be opened to an IP literal the policy refuses (names go through `lookup`). */
  literalRefusal(hostname: string): UpstreamAddressRefusedError | undefined {
    const host = bare(hostname);
    if (isIP(host) === 0) return undefined;
    const verdict = checkUpstreamAddress(host, this.policy);
    return verdict.allowed ? undefined : new UpstreamAddressRefusedError(verdict.reason);
  }

  private async check(host: string): Promise<DialableAddress[]> {
    const verdict = await dialableAddresses(host, this.policy, this.resolve);
    if (!verdict.allowed) throw new UpstreamAddressRefusedError(verdict.reason);
    return verdict.addresses;
  }
}
