const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Gateway ids are UUIDs; anything else cannot name a gateway (and would make PostgreSQL throw). */
export function isGatewayId(value: string): boolean {
  return UUID.test(value);
}
