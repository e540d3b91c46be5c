import type { Gateway } from './entities/gateway.entity';
import type { UpstreamInfo } from './types';

/** Copies the shareable fields of a row, by name, so nothing else can slip into a response. */
export function toUpstreamInfo(row: Gateway): UpstreamInfo {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    hasCredentials: row.hasCredentials,
    secretPath: row.secretPath,
    transport: row.transport,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastHealthOk: row.lastHealthOk,
    lastHealthError: row.lastHealthError,
    lastHealthAt: row.lastHealthAt,
    lastSeenAt: row.lastSeenAt,
    pin: row.pin,
    discoveryIntervalSeconds: row.discoveryIntervalSeconds,
  };
}
