export { FLEET_ID, fleetIdOf } from './fleet-id';
export { GATEWAY_LOOP_CODE, GATEWAY_LOOP_MESSAGE, GatewayLoopError, ThisGatewayError } from './gateway-loop.errors';
export { GATEWAY_LOOP_GUARD, GatewayLoopGuard, type LoopGuardedUpstream } from './gateway-loop.guard';
export { GatewayLoopMiddleware, LOOP_DETECTED_STATUS } from './gateway-loop.middleware';
export { GatewayLoopModule, LOOP_GUARDED_ROUTES } from './gateway-loop.module';
export {
  currentVia,
  GATEWAY_ID_HEADER,
  GATEWAY_VIA_HEADER,
  MAX_GATEWAY_HOPS,
  parseVia,
  runWithVia,
} from './gateway-via';
export { SELF_REGISTRATION_PROBE, SelfRegistrationProbe } from './self-registration.probe';
export { SelfRegistrationModule } from './self-registration.module';
