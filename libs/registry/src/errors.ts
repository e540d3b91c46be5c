import { registryMessages as messages } from './registry.messages';

/** No upstream has this id (or the id is not a well-formed upstream id). */
export class UpstreamNotFoundError extends Error {
  override readonly name = 'UpstreamNotFoundError';
  constructor(readonly upstreamId: string) {
    super(messages.notFound());
  }
}

/** Another upstream already has this name. */
export class UpstreamNameTakenError extends Error {
  override readonly name = 'UpstreamNameTakenError';
  constructor(readonly upstreamName: string) {
    super(messages.nameTaken(upstreamName));
  }
}

/** The upstream URL is unusable; the message says why and never repeats the URL. */
export class InvalidUpstreamUrlError extends Error {
  override readonly name = 'InvalidUpstreamUrlError';
  constructor(readonly reason: string) {
    super(messages.invalidUrl(reason));
  }
}

/** A name or a polling override (`pin`, `discoveryIntervalSeconds`) has a value the registry does not take. */
export class InvalidUpstreamSettingError extends Error {
  override readonly name = 'InvalidUpstreamSettingError';
  constructor(
    readonly field: 'name' | 'pin' | 'discoveryIntervalSeconds',
    readonly reason: string,
  ) {
    super(messages.invalidSetting(field, reason));
  }
}

/**
 * A database write failed. Replaces the driver's error, whose `parameters` would carry the
 * connection URL into any log that prints the error object.
 */
export class RegistryStorageError extends Error {
  override readonly name = 'RegistryStorageError';
  constructor(operation: string, driverMessage: string) {
    super(messages.storageFailed(operation, driverMessage));
  }
}

/**
 * The registry's database cannot serve now: it refuses or drops connections, does not answer
 * within DATABASE_TIMEOUT_MS, is not connected yet, or this worker already has too much
 * registry work in flight. The message is always the short `registry unavailable`, fit for any
 * client; `reason` (redacted, for logs only) says which, and `code` keeps the driver's code.
 */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
  constructor(
    readonly reason: string,
    readonly code?: string,
  ) {
    super(messages.unavailable());
  }
}
