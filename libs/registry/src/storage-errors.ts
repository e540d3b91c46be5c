import { QueryFailedError, TypeORMError } from 'typeorm';
import { RegistryStorageError, RegistryUnavailableError } from './errors';
import { registryMessages as messages } from './registry.messages';
import { errorMessage, redactSecrets, type SecretUrlOptions } from '@app/common';

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
export function toStorageError(
  operation: string,
  error: unknown,
  connectionUrl?: string,
  secrets: SecretUrlOptions = {},
): Error {
  if (!(error instanceof QueryFailedError)) return error instanceof Error ? error : new Error(String(error));
  const driverMessage = (error.driverError as { message?: unknown } | undefined)?.message;
  const message = typeof driverMessage === 'string' ? driverMessage : messages.queryFailed();
  return new RegistryStorageError(operation, redactSecrets(message, connectionUrl, secrets));
}

/** SQLite refused a write because another connection (another worker) held the lock. */
export function isBusy(error: unknown): boolean {
  const code =
    error instanceof RegistryUnavailableError
      ? error.code
      : (error as { driverError?: { code?: unknown } } | undefined)?.driverError?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Socket-level failures: the database host refuses, resets, drops or cannot be found. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What node-postgres, pg-pool and TypeORM say (without a code) when the server is gone, slow or
 * not connected yet: the pool's connection timeout, a dropped connection, `query_timeout`.
 */
const UNAVAILABLE_TEXT =
  /timeout exceeded when trying to connect|connection terminated|query read timeout|driver not connected|cannot use a pool after calling end|client has encountered a connection error|connection is not established|the database system is (?:starting up|shutting down|in recovery mode)/i;

/**
 * Whether a database error means "the database cannot serve now" rather than "this request is
 * wrong": refused or dropped connections, connect and query timeouts, PostgreSQL's connection
 * exceptions (class 08), shutdowns (57P01-57P03), `statement_timeout` (57014), lock timeouts
 * (55P03) and exhausted resources (class 53), and SQLite's busy, locked and I/O errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof RegistryUnavailableError) return true;
  for (const candidate of causesOf(error)) {
    const code = codeOf(candidate);
    if (code !== undefined) {
      if (NETWORK_CODES.has(code)) return true;
      if (/^(08|53)[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '57014', '55P03'].includes(code))
        return true;
      if (/^SQLITE_(BUSY|LOCKED|IOERR)/.test(code)) return true;
    }
    if (candidate instanceof TypeORMError && candidate.name === 'CannotExecuteNotConnectedError') return true;
    if (UNAVAILABLE_TEXT.test(errorMessage(candidate))) return true;
  }
  return false;
}

/** `error` as a RegistryUnavailableError when it means the database cannot serve now; otherwise as it is. */
export function toUnavailable(error: unknown): unknown {
  if (error instanceof RegistryUnavailableError || !isDatabaseUnavailable(error)) return error;
  const driver = (error as { driverError?: unknown } | undefined)?.driverError ?? error;
  return new RegistryUnavailableError(redactSecrets(errorMessage(driver)), codeOf(driver) ?? codeOf(error));
}

/** The error, the driver error TypeORM wraps, and their `cause`s (a few levels). */
function causesOf(error: unknown): unknown[] {
  const found: unknown[] = [];
  const queue = [error];
  while (queue.length > 0 && found.length < 6) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || found.includes(next)) continue;
    found.push(next);
    queue.push((next as { driverError?: unknown }).driverError, (next as { cause?: unknown }).cause);
  }
  return found;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
