import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { FLEET_ID } from './fleet-id';
import { GATEWAY_LOOP_CODE, GATEWAY_LOOP_MESSAGE } from './gateway-loop.errors';
import { GATEWAY_ID_HEADER, GATEWAY_VIA_HEADER, InvalidViaError, MAX_GATEWAY_HOPS, parseVia, runWithVia } from './gateway-via';

/** HTTP 508 Loop Detected (RFC 5842). */
export const LOOP_DETECTED_STATUS = 508;

/**
 * On the MCP endpoints: says which gateway answers (Mcp-Gateway-Id), refuses a request that has
 * already passed this fleet or too many gateways (508, before any upstream is contacted), and
 * runs the rest with the request's Via in context, for the requests sent upstream on its behalf.
 */
@Injectable()
export class GatewayLoopMiddleware implements NestMiddleware {
  constructor(@Inject(FLEET_ID) private readonly fleetId: string) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.setHeader(GATEWAY_ID_HEADER, this.fleetId);
    let via: string[];
    try {
      via = parseVia(req.headers[GATEWAY_VIA_HEADER.toLowerCase()]);
    } catch (error) {
      if (!(error instanceof InvalidViaError)) throw error;
      refuse(res, 400, -32600, error.message, req.body);
      return;
    }
    if (via.includes(this.fleetId) || via.length > MAX_GATEWAY_HOPS) {
      refuse(res, LOOP_DETECTED_STATUS, GATEWAY_LOOP_CODE, GATEWAY_LOOP_MESSAGE, req.body);
      return;
    }
    runWithVia(via, next);
  }
}

function refuse(res: Response, status: number, code: number, message: string, body: unknown): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: requestIdOf(body) });
}

/** The JSON-RPC id of a single request, so a client can match the error; null otherwise. */
function requestIdOf(body: unknown): string | number | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
