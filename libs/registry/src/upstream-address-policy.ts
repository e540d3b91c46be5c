import { BlockList, isIP } from 'node:net';

export interface UpstreamAddressPolicy {
  /** Also refuse loopback, private, shared and unspecified addresses (and `localhost`). */
  blockPrivate: boolean;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: AddressVerdict = { allowed: true };
const METADATA_REASON = 'must not target a link-local or cloud metadata address';
const UNROUTABLE_REASON = 'must not target a multicast, broadcast or reserved address';
const PRIVATE_REASON = 'must not target a loopback, private or unspecified address (UPSTREAM_BLOCK_PRIVATE is on)';

// Cloud instance metadata lives on link-local addresses (and a few well-known others):
// refused whatever the configuration, since no upstream MCP server legitimately sits there.
const metadata = new BlockList();
metadata.addSubnet('169.254.0.0', 16, 'ipv4');
metadata.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
metadata.addSubnet('fe80::', 10, 'ipv6');
metadata.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

const unroutable = new BlockList();
unroutable.addSubnet('224.0.0.0', 4, 'ipv4');
unroutable.addSubnet('240.0.0.0', 4, 'ipv4');
unroutable.addSubnet('ff00::', 8, 'ipv6');

const privateRanges = new BlockList();
privateRanges.addSubnet('0.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('100.64.0.0', 10, 'ipv4');
privateRanges.addSubnet('127.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.0.0.0', 24, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('198.18.0.0', 15, 'ipv4');
privateRanges.addAddress('::', 'ipv6');
privateRanges.addAddress('::1', 'ipv6');
privateRanges.addSubnet('fc00::', 7, 'ipv6');
privateRanges.addSubnet('fec0::', 10, 'ipv6');

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog']);

/**
 * Judges a URL's host (name or IP literal, IPv6 without brackets) without resolving it.
 * The WHATWG parser has already turned numeric forms (`2852039166`, `0xa9fea9fe`, `0251.0376.…`)
 * into dotted IPv4, so only IPv6 forms that embed an IPv4 address need unwrapping here.
 */
export function checkUpstreamHost(hostname: string, policy: UpstreamAddressPolicy): AddressVerdict {
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.+$/, '');
  if (isIP(host) !== 0) return checkUpstreamAddress(host, policy);
  if (METADATA_HOSTS.has(host)) return { allowed: false, reason: METADATA_REASON };
  if (policy.blockPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    return { allowed: false, reason: PRIVATE_REASON };
  }
  return ALLOWED;
}

/** Judges one IP address; IPv6 forms that carry an IPv4 address are judged by both. */
export function checkUpstreamAddress(address: string, policy: UpstreamAddressPolicy): AddressVerdict {
  const family = isIP(address);
  if (family === 0) return { allowed: false, reason: 'is not an IP address' };
  if (family === 6) {
    const embedded = embeddedIPv4(address);
    if (embedded !== null) {
      const inner = checkOne(embedded, 'ipv4', policy);
      if (!inner.allowed) return inner;
    }
    return checkOne(address, 'ipv6', policy);
  }
  return checkOne(address, 'ipv4', policy);
}

function checkOne(address: string, type: 'ipv4' | 'ipv6', policy: UpstreamAddressPolicy): AddressVerdict {
  if (metadata.check(address, type)) return { allowed: false, reason: METADATA_REASON };
  if (unroutable.check(address, type)) return { allowed: false, reason: UNROUTABLE_REASON };
  if (policy.blockPrivate && privateRanges.check(address, type)) {
    return { allowed: false, reason: PRIVATE_REASON };
  }
  return ALLOWED;
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96),
 * IPv4-compatible (::/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) IPv6 address.
 */
export function embeddedIPv4(address: string): string | null {
  const h = ipv6Hextets(address);
  if (h === null) return null;
  const zeros = (from: number, to: number): boolean => h.slice(from, to).every((x) => x === 0);
  const low = (): string => dotted(h[6]!, h[7]!);
  if (zeros(0, 5) && h[5] === 0xffff) return low();
  if (zeros(0, 4) && h[4] === 0xffff && h[5] === 0) return low();
  if (zeros(0, 6) && (h[6] !== 0 || h[7]! > 1)) return low();
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return low();
  if (h[0] === 0x2002) return dotted(h[1]!, h[2]!);
  return null;
}

function dotted(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted quad expanded). */
function ipv6Hextets(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...fill, ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
