import { isIP } from 'node:net';

/** 0.0.0.0 and :: listen on every interface: they name no host a client would send. */
export function isWildcardHost(host: string): boolean {
  const bare = unbracket(host.trim());
  return bare === '0.0.0.0' || bare === '::' || bare === '0:0:0:0:0:0:0:0';
}

/** Whether only this machine can reach a server listening on `host`. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host.trim().toLowerCase());
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * A host name as URL parsing spells it (lower case, IPv6 in brackets, IPv4 dotted), or null
 * when `host` is not a bare host name (it has a scheme, port, path or user part).
 */
export function normalizeHostName(host: string): string | null {
  const bare = unbracket(host.trim());
  if (isIP(bare) === 6) return new URL(`http://[${bare}]`).hostname;
  if (bare === '' || /[\s:/@?#\\[\]]/.test(bare)) return null;
  try {
    return new URL(`http://${bare}`).hostname;
  } catch {
    return null;
  }
}

/** The host name a Host header names (its port ignored), or null when the header is not host[:port]. */
export function hostNameOfHeader(header: string): string | null {
  try {
    const url = new URL(`http://${header.trim()}`);
    const hostOnly =
      url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    return hostOnly && !/[/?#@\\]/.test(header) ? url.hostname : null;
  } catch {
    return null;
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
