import { isIP } from 'node:net';
import type { HostResolver } from './host-resolver';
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
