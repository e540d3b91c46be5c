import { invalidParams } from './federation-errors';

/** Items per page of a federated list. */
export const PAGE_SIZE = 100;

/**
 * One page of a list. The cursor is opaque to clients: the list's kind and the offset of the
 * next page, base64url-encoded. A cursor of another list, or one not made here, is invalid params.
 */
export function page<T>(
  kind: string,
  items: readonly T[],
  cursor: string | undefined,
  pageSize = PAGE_SIZE,
): { items: T[]; nextCursor?: string } {
  const offset = cursor === undefined ? 0 : offsetOf(kind, cursor);
  const end = offset + pageSize;
  const slice = items.slice(offset, end);
  return end < items.length ? { items: slice, nextCursor: encode(kind, end) } : { items: slice };
}

function encode(kind: string, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString('base64url');
}

function offsetOf(kind: string, cursor: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { k, o } = (decoded ?? {}) as { k?: unknown; o?: unknown };
  if (k !== kind || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
    throw invalidParams('Invalid cursor');
  }
  return o;
}
