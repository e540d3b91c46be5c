export { Gateway } from './entities/gateway.entity';
export { Tool } from './entities/tool.entity';
export { CreateRegistry1767225600000 } from './migrations/1767225600000-create-registry';
export { REGISTRY_ENTITIES, REGISTRY_MIGRATIONS } from './registry-schema';
export { registryDataSourceOptions, SQLITE_BUSY_TIMEOUT_MS } from './data-source-options';
export { createRegistryDataSource } from './data-source-factory';
export { withMigrationLock } from './migration-lock';
export { RegistryTypeOrmLogger } from './typeorm-logger';
export { RegistryModule } from './registry.module';
export { RegistryDatabaseModule, type RegistryDatabaseModuleOptions } from './registry-database.module';
export { GatewaysService } from './gateways.service';
export { TypeOrmGatewayDirectory } from './gateway-directory';
export { GatewayNameTakenError, GatewayNotFoundError, InvalidUpstreamUrlError, RegistryStorageError } from './errors';
export { isGatewayId } from './gateway-id';
export {
  canonicalUpstreamUrl,
  MAX_UPSTREAM_URL_LENGTH,
  parseUpstreamUrl,
  type ParsedUpstreamUrl,
} from './upstream-url';
export {
  checkUpstreamAddress,
  checkUpstreamHost,
  embeddedIPv4,
  type AddressVerdict,
  type UpstreamAddressPolicy,
} from './upstream-address-policy';
export { checkUpstreamTarget } from './upstream-target-check';
export { systemHostResolver, type HostResolver } from './host-resolver';
export { errorText, redactSecrets } from './redact-secrets';
export { UPSTREAM_HOST_RESOLVER } from './tokens';
export { planToolChanges, stableJson } from './tool-diff';
export {
  GATEWAY_TRANSPORTS,
  type CreateGatewayInput,
  type DiscoveredTool,
  type GatewayConnection,
  type GatewayConnectionWithTools,
  type GatewayInfo,
  type GatewayTransport,
  type RegistryDatabaseConfig,
  type ToolChanges,
  type ToolInfo,
  type UpdateGatewayInput,
} from './types';
