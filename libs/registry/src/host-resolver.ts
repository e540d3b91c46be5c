import { lookup } from 'node:dns/promises';
import { withTimeout } from '@app/common';

/** Resolves a host name to all its addresses (A and AAAA). */
export type HostResolver = (hostname: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 2_000;

/** The system resolver (getaddrinfo, so /etc/hosts counts too), bounded in time. */
export const systemHostResolver: HostResolver = async (hostname) => {
  const found = await withTimeout(lookup(hostname, { all: true, verbatim: true }), LOOKUP_TIMEOUT_MS, 'lookup');
  return found.map((entry) => entry.address);
};
