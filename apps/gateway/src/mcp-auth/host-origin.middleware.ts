import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { hostRefusal, originRefusal } from './access-policy';
import { MCP_AUTH_SETTINGS, type McpAuthSettings } from './mcp-auth-settings';
import { refuse } from './refusal';
import { clientAddress, RejectionLog } from './rejection-log';

/**
 * DNS-rebinding protection: a request whose Host or Origin is not on the allow-list is answered
 * 403 from its headers alone, before its body is read or anything reaches an upstream.
 */
@Injectable()
export class HostOriginMiddleware implements NestMiddleware<Request, Response> {
  private readonly rejections = new RejectionLog(new Logger(HostOriginMiddleware.name));

  constructor(@Inject(MCP_AUTH_SETTINGS) private readonly settings: McpAuthSettings) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const policy = this.settings.access;
    const refusal = hostRefusal(policy, req.headers.host) ?? originRefusal(policy, req.headers.origin);
    if (refusal === null) {
      this.rejections.accepted();
      next();
      return;
    }
    this.rejections.rejected(refusal, clientAddress(req));
    refuse(res, 403, refusal);
  }
}
