import type { CallToolRequest } from '@modelcontextprotocol/sdk/types.js';
import { invalidParams } from './federation-errors';

/**
 * tools/call params, checked with short messages: `name` a non-empty string, `arguments` absent
 * or an object, `_meta` absent or an object. Other fields travel on as the client sent them.
 */
export function parseToolCall(params: unknown): CallToolRequest['params'] {
  if (!isRecord(params)) throw invalidParams('Invalid tools/call params: expected an object with a tool name');
  if (typeof params.name !== 'string' || params.name.length === 0) {
    throw invalidParams('Invalid tools/call params: "name" must be a non-empty string');
  }
  if (params.arguments !== undefined && !isRecord(params.arguments)) {
    throw invalidParams('Invalid tools/call params: "arguments" must be an object');
  }
  if (params._meta !== undefined && !isRecord(params._meta)) {
    throw invalidParams('Invalid tools/call params: "_meta" must be an object');
  }
  return params as CallToolRequest['params'];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
