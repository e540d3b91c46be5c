import { createHash } from 'node:crypto';
import type { SessionIdentity } from './session-identity';
import type { UpstreamTarget, UpstreamTransport } from '@app/registry';

/**
 * What makes two sessions interchangeable. The connection URL (which may carry credentials)
 * enters only as a digest, so rotated credentials get new sessions and the key holds none.
 */
export interface PoolKey {
  user: string;
  /** Digest of the connection URL. */
  connectionHash: string;
  /** Hash of the forwarded identity headers, so different credentials never share a session. */
  identityHash: string;
  transport: UpstreamTransport;
  gatewayId: string;
  /** The gateway client session that owns the key's upstream session, when it is one's own. */
  clientSessionId?: string;
}

export function poolKeyOf(target: UpstreamTarget, identity: SessionIdentity): PoolKey {
  return {
    user: identity.user,
    connectionHash: sha256(target.connectionUrl),
    identityHash: identityHashOf(identity.headers),
    transport: target.transport,
    gatewayId: target.id,
    ...(identity.clientSession ? { clientSessionId: identity.clientSession.id } : {}),
  };
}

/** An opaque id for a key; a digest, so the map's keys hold no credentials either. */
export function poolKeyId(key: PoolKey): string {
  return sha256(
    JSON.stringify([
      key.user,
      key.connectionHash,
      key.identityHash,
      key.transport,
      key.gatewayId,
      key.clientSessionId ?? null,
    ]),
  );
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
