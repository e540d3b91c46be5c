import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';

/**
 * A refused MCP request's answer: the status, optional headers, and a JSON-RPC error body
 * (id null: the request was not read). The connection closes, as the body was left unread.
 */
export function refuse(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set({ ...headers, Connection: 'close' })
    .json({ jsonrpc: '2.0', error: { code: ErrorCode.ConnectionClosed, message }, id: null });
}
