import { isIP } from 'node:net';
import type { HostResolver } from './host-resolver';
import { registryMessages } from './registry.messages';
import {
  checkUpstreamAddress,
  checkUpstreamHost,
  type AddressVerdict,
  type UpstreamAddressPolicy,
} from './upstream-address-policy';

/**
 * Judges a host by its name and by every address it resolves to, so a name pointing at a
 * metadata or (when blocked) private address is refused too. A name that does not resolve
 * passes: it may resolve later, which is why the dialler must check again at connect time.
 */
export async function checkUpstreamTarget(
  hostname: string,
  policy: UpstreamAddressPolicy,
  resolve: HostResolver,
): Promise<AddressVerdict> {
  const byName = checkUpstreamHost(hostname, policy);
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  if (!byName.allowed || isIP(bare) !== 0) return byName;
  let addresses: string[];
  try {
    addresses = await resolve(bare);
  } catch {
    return byName;
  }
  for (const address of addresses) {
    const verdict = checkUpstreamAddress(address, policy);
    if (!verdict.allowed) return verdict;
  }
  return byName;
}

/** An address a connection may be opened to, with its family as `dns.lookup` reports it. */
export interface DialableAddress {
  address: string;
  family: 4 | 6;
}

export type DialVerdict = { allowed: true; addresses: DialableAddress[] } | { allowed: false; reason: string };

/**
 * The addresses a connection to `hostname` may go to, from one resolution: an IP literal is
 * judged as it is; a name is resolved once and only the addresses the policy allows are kept,
 * so a mixed answer cannot steer the connection to its refused part. Refused when none is left.
 * Unlike registration, a name that does not resolve is an error: there is nothing to dial.
 */
export async function dialableAddresses(
  hostname: string,
  policy: UpstreamAddressPolicy,
  resolve: HostResolver,
): Promise<DialVerdict> {
  const byName = checkUpstreamHost(hostname, policy);
  if (!byName.allowed) return byName;
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(bare);
  if (literal !== 0) return { allowed: true, addresses: [{ address: bare, family: literal === 6 ? 6 : 4 }] };
  const answer = await resolve(bare);
  if (answer.length === 0) throw new Error(registryMessages.resolvedToNothing(bare));
  const addresses: DialableAddress[] = [];
  let reason = '';
  for (const address of answer) {
    const verdict = checkUpstreamAddress(address, policy);
    if (verdict.allowed) addresses.push({ address, family: isIP(address) === 6 ? 6 : 4 });
    else reason ||= verdict.reason;
  }
  return addresses.length > 0 ? { allowed: true, addresses } : { allowed: false, reason };
}
