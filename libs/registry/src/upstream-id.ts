const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Upstream ids are UUIDs; anything else cannot name an upstream (and would make PostgreSQL throw). */
export function isUpstreamId(value: string): boolean {
  return UUID.test(value);
}
