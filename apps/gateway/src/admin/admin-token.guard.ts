import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';

const REALM = 'mcp-gateway-admin';
const BEARER = /^Bearer[ \t]+(.+?)[ \t]*$/i;

/**
 * Admits a request only with `Authorization: Bearer <ADMIN_TOKEN>`. Tokens are compared as
 * SHA-256 digests with timingSafeEqual, so neither content nor length leaks through timing.
 * Without a configured token every request is refused.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly logger = new Logger(AdminTokenGuard.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const expected = this.config.adminToken;
    if (presented !== undefined && expected !== undefined && sameSecret(presented, expected)) return true;

    const response = http.getResponse<Response>();
    if (presented === undefined) {
      response.setHeader('WWW-Authenticate', `Bearer realm="${REALM}"`);
      throw new UnauthorizedException('missing bearer token: send Authorization: Bearer <ADMIN_TOKEN>');
    }
    if (expected === undefined) this.logger.warn('admin request refused: no admin token is configured');
    response.setHeader('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token"`);
    throw new UnauthorizedException('invalid bearer token');
  }
}

function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
