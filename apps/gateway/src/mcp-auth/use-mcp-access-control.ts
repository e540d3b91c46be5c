import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { BearerAuthMiddleware } from './bearer-auth.middleware';
import { HostOriginMiddleware } from './host-origin.middleware';

/** The MCP endpoints: `/mcp` and the per-upstream `/servers/<name>/mcp` (everything under both). */
export const MCP_ROUTE_PREFIXES: readonly string[] = ['/mcp', '/servers'];

/**
 * Mounts the Host/Origin check, then client authentication, on the MCP routes. Call on the app
 * before its body parser (`useJsonBodies`): a refused request is answered from its headers, its
 * body never read. Route-level Nest middleware would run after the app's parser.
 */
export function useMcpAccessControl(app: INestApplication): void {
  const hosts = app.get(HostOriginMiddleware);
  const bearer = app.get(BearerAuthMiddleware);
  app.use(
    [...MCP_ROUTE_PREFIXES],
    (req: Request, res: Response, next: NextFunction) => hosts.use(req, res, next),
    (req: Request, res: Response, next: NextFunction) => bearer.use(req, res, next),
  );
}
