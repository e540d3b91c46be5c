export { Gateway } from './entities/gateway.entity';
export { Tool } from './entities/tool.entity';
export { CreateRegistry1767225600000 } from './migrations/1767225600000-create-registry';
export { AddUpstreamPollingOverrides1767312000000 } from './migrations/1767312000000-add-upstream-polling-overrides';
export { AddUpstreamSecretPath1767398400000 } from './migrations/1767398400000-add-upstream-secret-path';
export { AddUpstreamHealthFailures1767484800000 } from './migrations/1767484800000-add-upstream-health-failures';
export { AddMcpFeatures1767571200000 } from './migrations/1767571200000-add-mcp-features';
export { REGISTRY_ENTITIES, REGISTRY_MIGRATIONS } from './registry-schema';
export {
  databaseLimits,
  DEFAULT_DATABASE_LIMITS,
  registryDataSourceOptions,
  SQLITE_BUSY_TIMEOUT_MS,
} from './data-source-options';
export {
  createRegistryDataSource,
  isRegistryDatabaseReady,
  REGISTRY_CONNECT_RETRY_MS,
  startRegistryDataSource,
  stopRegistryDataSource,
} from './data-source-factory';
export { closeRegistryDataSource, dropDatabaseConnections, type DataSourceCloseOutcome } from './data-source-close';
export { isDatabaseUnavailable, toUnavailable } from './storage-errors';
export { withMigrationLock } from './migration-lock';
export { RegistryTypeOrmLogger } from './typeorm-logger';
export { RegistryModule } from './registry.module';
export { RegistryDatabaseModule, type RegistryDatabaseModuleOptions } from './registry-database.module';
export { registryMessages } from './registry.messages';
export { GatewayRepository } from './gateway.repository';
export { ToolRepository } from './tool.repository';
export { RegistryWriteQueue } from './registry-write-queue';
export { RegistryRevision } from './registry-revision';
export { UpstreamsService } from './upstreams.service';
export {
  InvalidUpstreamSettingError,
  InvalidUpstreamUrlError,
  RegistryStorageError,
  RegistryUnavailableError,
  UpstreamNameTakenError,
  UpstreamNotFoundError,
} from './errors';
export { isDiscoveryIntervalSeconds, isUpstreamPin, MAX_DISCOVERY_INTERVAL_SECONDS } from './polling-overrides';
export { isUpstreamId } from './upstream-id';
export { assertTransportFitsUrl, defaultTransportFor } from './upstream-transport';
export { assertUpstreamName, upstreamNameProblem } from './upstream-name';
export {
  canonicalUpstreamUrl,
  isSameUpstreamAddress,
  isStdioUrl,
  STDIO_SERVER_NAME,
  stdioServerNameOf,
  MAX_UPSTREAM_URL_LENGTH,
  parseUpstreamUrl,
  SECRET_PATH_DIGEST_LENGTH,
  secretPathDigest,
  type ParsedUpstreamUrl,
  type UpstreamUrlOptions,
} from './upstream-url';
export {
  checkUpstreamAddress,
  checkUpstreamHost,
  embeddedIPv4,
  type AddressVerdict,
  type UpstreamAddressPolicy,
} from './upstream-address-policy';
export {
  checkUpstreamTarget,
  dialableAddresses,
  type DialableAddress,
  type DialVerdict,
} from './upstream-target-check';
export { systemHostResolver, type HostResolver } from './host-resolver';
export { REGISTRY_DATABASE_LIMITS, UPSTREAM_HOST_RESOLVER } from './tokens';
export { planToolChanges, stableJson } from './tool-diff';
export {
  UPSTREAM_PINS,
  UPSTREAM_TRANSPORTS,
  type CreateUpstreamInput,
  type DiscoveredTool,
  type HealthCheckRecord,
  type RegisteredUpstream,
  type RegisteredUpstreamWithTools,
  type StoredTool,
  type RegistryDatabaseConfig,
  type RegistryDatabaseLimits,
  type ToolChanges,
  type ToolInfo,
  type UpdateUpstreamInput,
  type UpstreamInfo,
  type UpstreamPin,
  type UpstreamRef,
  type UpstreamTarget,
  type UpstreamTransport,
} from './types';
