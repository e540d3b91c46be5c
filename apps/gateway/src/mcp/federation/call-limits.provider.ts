import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AppConfig } from '../../config/app-config';
import type { CallLimits } from '../call-forwarding';

/** How long a forwarded client request may run: idle = the upstream timeout, total = MCP_CALL_MAX_MS. */
export const FEDERATION_CALL_LIMITS = Symbol('FEDERATION_CALL_LIMITS');

export const federationCallLimitsProvider: Provider = {
  provide: FEDERATION_CALL_LIMITS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): CallLimits => ({
    idleTimeoutMs: config.upstreamTimeoutMs,
    maxCallMs: config.mcp.callMaxMs,
  }),
};
