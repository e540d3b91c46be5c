import { Module } from '@nestjs/common';
import { UpstreamMcpModule } from '../catalog/upstream-mcp.module';
import { SELF_REGISTRATION_PROBE, SelfRegistrationProbe } from './self-registration.probe';

/** The admin API's check that an upstream being registered is not this gateway. Needs GatewayLoopModule (global). */
@Module({
  imports: [UpstreamMcpModule],
  providers: [{ provide: SELF_REGISTRATION_PROBE, useClass: SelfRegistrationProbe }],
  exports: [SELF_REGISTRATION_PROBE],
})
export class SelfRegistrationModule {}
