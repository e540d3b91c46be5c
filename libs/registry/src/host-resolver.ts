import { lookup } from 'node:dns/promises';

/** Resolves a host name to all its addresses (A and AAAA). */
export type HostResolver = (hostname: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 2_000;

/** The system resolver (getaddrinfo, so /etc/hosts counts too), bounded in time. */
export const systemHostResolver: HostResolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), LOOKUP_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
    return found.map((entry) => entry.address);
  } finally {
    clearTimeout(timer);
  }
};
