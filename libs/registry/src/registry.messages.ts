import { escapeNonPrintable } from '@app/common';

/**
 * Every log line and error text of the registry, as small factories: one tone, and tests
 * assert through them. Messages never quote a URL that may carry credentials. The admin API
 * calls an upstream a "gateway" (its resource name), so the texts that reach it do too. Names
 * are quoted with their non-printable characters escaped (rows stored before names had to be
 * printable may hold some).
 */
export const registryMessages = {
  notFound: () => 'gateway not found',
  nameTaken: (name: string) => `a gateway named "${escapeNonPrintable(name)}" already exists`,
  invalidUrl: (reason: string) => `url ${reason}`,
  invalidSetting: (field: string, reason: string) => `${field} ${reason}`,
  storageFailed: (operation: string, driverMessage: string) => `registry ${operation} failed: ${driverMessage}`,
  queryFailed: () => 'query failed',
  healthCheckFailed: () => 'health check failed',
  unavailable: () => 'registry unavailable',
  notConnected: () => 'the database is not connected yet',
  tooMuchWork: (max: number) => `${max} registry operations already in flight or waiting (DATABASE_MAX_PENDING)`,

  databaseStartFailed: (reason: string, retryMs: number) =>
    `registry database unavailable at start (${reason}); the gateway starts without it and retries every ${retryMs} ms`,
  databaseRetryFailed: (attempt: number, reason: string) =>
    `registry database still unavailable (attempt ${attempt}): ${reason}`,
  databaseConnected: (attempts: number) => `registry database connected after ${attempts} attempts`,

  registered: (id: string, name: string, url: string) =>
    `registered upstream ${id} "${escapeNonPrintable(name)}" at ${url}`,
  updated: (id: string, fields: readonly string[]) => `updated upstream ${id}: ${fields.join(', ')}`,
  deleted: (id: string) => `deleted upstream ${id}`,

  migrationLockTimeout: (ms: number) => `registry migration lock not acquired within ${ms} ms`,
  missingDataSourceOptions: () => 'createRegistryDataSource needs DataSource options',

  urlEmpty: () => 'must not be empty',
  urlTooLong: (max: number) => `must be at most ${max} characters`,
  urlNotAbsolute: () => 'is not a valid absolute URL',
  urlScheme: () => 'must use http or https, or be stdio:<name>',
  stdioUrlName: () =>
    'must be stdio:<name>, the name 1 to 64 letters, digits, ".", "_" or "-" starting with a letter or digit',
  stdioUrlNoSecretPath: () => 'stdio:<name> has no secret path (secretPath must be false)',
  stdioUrlNeedsStdio: () => 'stdio:<name> needs transport "stdio"',
  stdioTransportNeedsStdioUrl: () => 'must be stdio:<name> with transport "stdio"',
  urlNoHost: () => 'must have a host',
  resolvedToNothing: (hostname: string) => `${hostname} resolved to no address`,

  pinInvalid: () => 'must be "hot", "cold" or null',
  discoveryIntervalInvalid: (max: number) => `must be a whole number of seconds from 1 to ${max}, or null`,
} as const;
