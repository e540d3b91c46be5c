import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';

export const CLIENT_DISCONNECTED = 'The client disconnected';

/** The ids of the JSON-RPC requests in a POST body (one message or a batch). */
export function requestIdsOf(body: unknown): RequestId[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(isJSONRPCRequest).map((message) => message.id);
}

/**
 * When the client goes away before its POST was answered, its requests are cancelled on the
 * server as if it had sent notifications/cancelled: their handlers' signals abort, and so do the
 * upstream calls made with them. (The SDK transport only drops the closed stream.)
 */
export function cancelOnDisconnect(res: ServerResponse, ids: readonly RequestId[], transport: Transport): void {
  if (ids.length === 0) return;
  res.once('close', () => {
    if (res.writableFinished) return;
    for (const requestId of ids) {
      transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: CLIENT_DISCONNECTED },
      });
    }
  });
}
