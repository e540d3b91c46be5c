import { Inject, Injectable, Logger, type NestMiddleware, type OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../mcp/request-identity';
import { BearerAuthenticator } from './bearer-authenticator';
import { MCP_AUTH_SETTINGS, type McpAuthSettings } from './mcp-auth-settings';
import { mcpAuthMessages as messages } from './mcp-auth.messages';
import { refuse } from './refusal';
import { clientAddress, RejectionLog } from './rejection-log';

/**
 * Client authentication: with it on, a request without a valid bearer token is answered 401
 * (503 while JWKS keys cannot be fetched) from its headers alone; an accepted one carries its
 * principal on `req.mcpPrincipal`, which then alone names the caller's pooled sessions.
 */
@Injectable()
export class BearerAuthMiddleware implements NestMiddleware<Request, Response>, OnModuleInit {
  private readonly logger = new Logger(BearerAuthMiddleware.name);
  private readonly rejections = new RejectionLog(this.logger);
  private readonly authenticator: BearerAuthenticator | null;

  constructor(@Inject(MCP_AUTH_SETTINGS) settings: McpAuthSettings) {
    this.authenticator = settings.clientAuth.enabled
      ? new BearerAuthenticator(settings.clientAuth, {
          unavailable: (detail) => this.logger.warn(messages.jwksUnavailable(detail)),
          recovered: () => this.logger.log(messages.jwksRecovered()),
        })
      : null;
  }

  async onModuleInit(): Promise<void> {
    await this.authenticator?.ready();
  }

  async use(req: Request & AuthenticatedRequest, res: Response, next: NextFunction): Promise<void> {
    if (this.authenticator === null) {
      next();
      return;
    }
    const result = await this.authenticator.authenticate(req.headers.authorization);
    if (result.ok) {
      this.rejections.accepted();
      req.mcpPrincipal = result.principal;
      next();
      return;
    }
    // JWKS outages are logged as they start and end (by the listener above), not per request.
    if (result.status === 503) this.logger.debug(result.reason);
    else this.rejections.rejected(result.reason, clientAddress(req));
    refuse(
      res,
      result.status,
      result.message,
      result.challenge === undefined ? {} : { 'WWW-Authenticate': result.challenge },
    );
  }
}
