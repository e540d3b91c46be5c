/** No gateway has this id (or the id is not a well-formed gateway id). */
export class GatewayNotFoundError extends Error {
  override readonly name = 'GatewayNotFoundError';
  constructor(readonly gatewayId: string) {
    super('gateway not found');
  }
}

/** Another gateway already has this name. */
export class GatewayNameTakenError extends Error {
  override readonly name = 'GatewayNameTakenError';
  constructor(readonly gatewayName: string) {
    super(`a gateway named "${gatewayName}" already exists`);
  }
}

/** The upstream URL is unusable; the message says why and never repeats the URL. */
export class InvalidUpstreamUrlError extends Error {
  override readonly name = 'InvalidUpstreamUrlError';
  constructor(readonly reason: string) {
    super(`url ${reason}`);
  }
}

/**
 * A database write failed. Replaces the driver's error, whose `parameters` would carry the
 * connection URL into any log that prints the error object.
 */
export class RegistryStorageError extends Error {
  override readonly name = 'RegistryStorageError';
  constructor(operation: string, driverMessage: string) {
    super(`registry ${operation} failed: ${driverMessage}`);
  }
}
