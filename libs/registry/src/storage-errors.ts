import { QueryFailedError } from 'typeorm';
import { RegistryStorageError } from './errors';
import { registryMessages as messages } from './registry.messages';
import { redactSecrets } from '@app/common';

/** A unique constraint rejected the write (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The driver's message only, redacted: a QueryFailedError also holds the query's parameters,
 * which must not travel on to loggers and exception filters.
 */
export function toStorageError(operation: string, error: unknown, connectionUrl?: string): Error {
  if (!(error instanceof QueryFailedError)) return error instanceof Error ? error : new Error(String(error));
  const driverMessage = (error.driverError as { message?: unknown } | undefined)?.message;
  const message = typeof driverMessage === 'string' ? driverMessage : messages.queryFailed();
  return new RegistryStorageError(operation, redactSecrets(message, connectionUrl));
}

/** SQLite refused a write because another connection (another worker) held the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
