import { createHash } from 'node:crypto';
import type { SessionIdentity } from './session-identity';
import type { UpstreamTarget, UpstreamTransport } from './upstream-target';

/**
 * What makes two sessions interchangeable. `url` is the connection URL and may carry
 * credentials: the key is kept in memory and reported to the usage adapter, never logged.
 */
export interface PoolKey {
  user: string;
  url: string;
  /** Hash of the forwarded identity headers, so different credentials never share a session. */
  identityHash: string;
  transport: UpstreamTransport;
  gatewayId: string;
}

export function poolKeyOf(target: UpstreamTarget, identity: SessionIdentity): PoolKey {
  return {
    user: identity.user,
    url: target.connectionUrl,
    identityHash: identityHashOf(identity.headers),
    transport: target.transport,
    gatewayId: target.id,
  };
}

/** An opaque id for a key; a digest, so the map's keys hold no credentials either. */
export function poolKeyId(key: PoolKey): string {
  return sha256(JSON.stringify([key.user, key.url, key.identityHash, key.transport, key.gatewayId]));
}

function identityHashOf(headers: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(headers ?? {})
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(JSON.stringify(entries)).slice(0, 32);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
