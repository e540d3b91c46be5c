import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { FLEET_ID, fleetIdOf } from './fleet-id';
import { GATEWAY_LOOP_GUARD, GatewayLoopGuard } from './gateway-loop.guard';
import { GatewayLoopMiddleware } from './gateway-loop.middleware';

/** The MCP endpoints that answer with the fleet id and refuse loops. */
export const LOOP_GUARDED_ROUTES = ['mcp', 'servers/*path'] as const;

/**
 * Gateway-loop detection: the fleet id, the guard the upstream connector wraps its fetch with,
 * and the middleware on the MCP endpoints. Global, so the MCP layer finds the guard without
 * importing this module (it stays optional there).
 */
@Global()
@Module({
  providers: [
    { provide: FLEET_ID, inject: [APP_CONFIG], useFactory: (config: AppConfig) => fleetIdOf(config) },
    GatewayLoopGuard,
    { provide: GATEWAY_LOOP_GUARD, useExisting: GatewayLoopGuard },
    GatewayLoopMiddleware,
  ],
  exports: [FLEET_ID, GATEWAY_LOOP_GUARD],
})
export class GatewayLoopModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(GatewayLoopMiddleware).forRoutes(...LOOP_GUARDED_ROUTES);
  }
}
