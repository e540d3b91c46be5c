import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';

/** A JSON-RPC error answered over HTTP before any MCP server sees the request. */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';

  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON-RPC error for an unknown, expired or foreign Mcp-Session-Id: the client re-initializes. */
export function sessionNotFound(): EndpointError {
  return new EndpointError(404, -32001, 'Session not found');
}

export function serviceUnavailable(message: string): EndpointError {
  return new EndpointError(503, ErrorCode.InternalError, message);
}

/** Writes `error` as a JSON-RPC error body with its HTTP status (nothing when an answer has begun). */
export function replyError(res: Response, error: EndpointError, id: string | number | null = null): void {
  if (res.headersSent) return;
  res.status(error.httpStatus).json({ jsonrpc: '2.0', error: { code: error.code, message: error.message }, id });
}
