import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { escapeNonPrintable } from '@app/common';

/** The message of every refusal of a looping request, as the client sees it. */
export const GATEWAY_LOOP_MESSAGE = 'gateway loop detected';
/** JSON-RPC error code of a refused loop (implementation-defined server error range). */
export const GATEWAY_LOOP_CODE = -32010;

/** An upstream answered with this gateway's own fleet id: it is this gateway (or another worker of it). */
export class ThisGatewayError extends Error {
  override readonly name = 'ThisGatewayError';

  constructor(upstreamName: string) {
    super(`upstream ${escapeNonPrintable(upstreamName)} is this gateway`);
  }
}

/**
 * An upstream gateway refused the request (HTTP 508): forwarding it would have closed a loop.
 * A JSON-RPC error, so it fails this request only and the pooled session it went out on stays.
 */
export class GatewayLoopError extends McpError {
  override readonly name = 'GatewayLoopError';

  constructor(upstreamName: string) {
    super(GATEWAY_LOOP_CODE, `${GATEWAY_LOOP_MESSAGE} (through upstream ${escapeNonPrintable(upstreamName)})`);
  }
}
