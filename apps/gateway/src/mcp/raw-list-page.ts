import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod/v4';

interface ItemSchema {
  safeParse(value: unknown): { success: boolean };
}

const RawPageSchema = z.looseObject({ nextCursor: z.string().optional() });

/**
 * One page of a list method, its items as the upstream sent them. The SDK's own list calls
 * parse items with schemas that drop fields they do not know; the federation serves every
 * field, so each item is only checked against `itemSchema` (one that fails rejects the page,
 * as the SDK's call would) and kept as it came.
 */
export async function listPageAsGiven<T>(
  client: Client,
  method: string,
  key: string,
  itemSchema: ItemSchema,
  cursor: string | undefined,
  options: RequestOptions,
): Promise<{ items: T[]; nextCursor?: string }> {
  const page = await client.request(
    { method, ...(cursor === undefined ? {} : { params: { cursor } }) },
    RawPageSchema,
    options,
  );
  const items: unknown = (page as Record<string, unknown>)[key];
  if (!Array.isArray(items)) throw new Error(`${method} answered without a "${key}" list`);
  items.forEach((item: unknown, index) => {
    if (!itemSchema.safeParse(item).success) throw new Error(`${method} answered an invalid item at ${key}[${index}]`);
  });
  return { items: items as T[], nextCursor: page.nextCursor };
}
