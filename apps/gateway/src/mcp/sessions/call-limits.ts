import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AppConfig } from '../../config/app-config';
import type { CallLimits } from '../call-forwarding';

export const CALL_LIMITS = Symbol('CALL_LIMITS');

/**
 * How long forwarded calls may run: as long as the client's own request allows (its signal),
 * within MCP_CALL_MAX_MS, whether or not the upstream reports progress.
 */
export const callLimitsProvider: Provider = {
  provide: CALL_LIMITS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): CallLimits => ({
    idleTimeoutMs: config.mcp.callMaxMs,
    maxCallMs: config.mcp.callMaxMs,
  }),
};
