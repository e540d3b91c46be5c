import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { escapeNonPrintable } from '@app/common';
import { UpstreamError } from '../upstream-error';

/** A JSON-RPC error the SDK sends as it is: its `code`, `message` and `data` (an McpError would prefix the message). */
export type JsonRpcFailure = Error & { code: number; data?: unknown };

export function jsonRpcFailure(code: number, message: string, data?: unknown): JsonRpcFailure {
  return Object.assign(new Error(message), data === undefined ? { code } : { code, data });
}

export function upstreamUnavailable(name: string): JsonRpcFailure {
  return jsonRpcFailure(ErrorCode.InternalError, `upstream ${escapeNonPrintable(name)} is unavailable`);
}

/**
 * What the client of a forwarded request is told: the upstream's own JSON-RPC error as it sent
 * it; a timeout as a timeout (its message is redacted); anything else as the upstream being
 * unavailable, without the cause.
 */
export function forwardedFailure(error: unknown, upstreamName: string): JsonRpcFailure {
  if (error instanceof UpstreamError) {
    if (error.kind === 'protocol' && error.code !== undefined) {
      return jsonRpcFailure(error.code, error.reply?.message ?? error.message, error.reply?.data);
    }
    if (error.kind === 'timeout') return jsonRpcFailure(ErrorCode.RequestTimeout, error.message);
  }
  return upstreamUnavailable(upstreamName);
}
