import { escapeNonPrintable } from '@app/common';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

/** What an MCP client is told when the catalog cannot be read: nothing of the cause. */
export const REGISTRY_UNAVAILABLE = 'registry unavailable';

/**
 * A JSON-RPC error with `message` as it is. (An McpError would go out as "MCP error -32602: …"
 * and come back doubled on the client: the SDK sends `code` and `message` of whatever a handler throws.)
 */
export function protocolError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}

export function invalidParams(message: string): Error & { code: number } {
  return protocolError(ErrorCode.InvalidParams, message);
}

export function registryUnavailable(): Error & { code: number } {
  return protocolError(ErrorCode.InternalError, REGISTRY_UNAVAILABLE);
}

/** A registered, enabled upstream that is down right now. */
export function upstreamUnavailable(name: string): Error & { code: number } {
  return protocolError(ErrorCode.InternalError, upstreamUnavailableMessage(name));
}

export function upstreamUnavailableMessage(name: string): string {
  return `upstream ${escapeNonPrintable(name)} is unavailable`;
}

/** A client-supplied value quoted in an error: escaped and cut short. */
export function quoted(value: string): string {
  const escaped = escapeNonPrintable(value);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
