import { Global, Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown';

/**
 * The shutdown every feature takes part in: `GracefulShutdown` (draining flag, step budgets, the
 * HTTP server's close). Global, like the configuration, so every feature's hooks can use it.
 */
@Global()
@Module({
  providers: [GracefulShutdown],
  exports: [GracefulShutdown],
})
export class LifecycleModule {}
