import { AsyncLocalStorage } from 'node:async_hooks';

/** Response header: the fleet id of the gateway that answered. */
export const GATEWAY_ID_HEADER = 'Mcp-Gateway-Id';
/** Request header: the fleet ids of the gateways a request has passed through, oldest first, comma-separated. */
export const GATEWAY_VIA_HEADER = 'Mcp-Gateway-Via';
/** More gateways than this in a row is treated as a loop too (one that changes ids, or a runaway chain). */
export const MAX_GATEWAY_HOPS = 8;

const GATEWAY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The Via of the client request being served, for the requests the gateway sends upstream on its behalf. */
const context = new AsyncLocalStorage<readonly string[]>();

export function runWithVia<T>(via: readonly string[], work: () => T): T {
  return context.run(via, work);
}

/** The Via of the client request this code runs for; empty outside one (polling, admin). */
export function currentVia(): readonly string[] {
  return context.getStore() ?? [];
}

export class InvalidViaError extends Error {
  override readonly name = 'InvalidViaError';
}

/** Parses a Via header (repeated headers joined); throws InvalidViaError on anything but a list of ids. */
export function parseVia(header: string | readonly string[] | undefined): string[] {
  if (header === undefined) return [];
  const joined = typeof header === 'string' ? header : header.join(',');
  const ids = joined
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length > 4 * MAX_GATEWAY_HOPS || ids.some((id) => !GATEWAY_ID.test(id))) {
    throw new InvalidViaError(`invalid ${GATEWAY_VIA_HEADER} header`);
  }
  return ids;
}

export function formatVia(ids: readonly string[]): string {
  return ids.join(', ');
}
