import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { BearerAuthMiddleware } from './bearer-auth.middleware';
import { HostOriginMiddleware } from './host-origin.middleware';
import { loadMcpAuthSettings, MCP_AUTH_SETTINGS } from './mcp-auth-settings';

/**
 * Access control of the MCP endpoints: the Host/Origin allow-list and client authentication,
 * as middleware that `useMcpAccessControl` mounts ahead of body parsing. Needs APP_CONFIG (global).
 */
@Module({
  providers: [
    {
      provide: MCP_AUTH_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => loadMcpAuthSettings(config),
    },
    HostOriginMiddleware,
    BearerAuthMiddleware,
  ],
  exports: [MCP_AUTH_SETTINGS, HostOriginMiddleware, BearerAuthMiddleware],
})
export class McpAuthModule {}
