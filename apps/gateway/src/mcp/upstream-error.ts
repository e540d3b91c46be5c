import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { DeadlineExceededError, escapeNonPrintable, isErrorLike, redactSecrets, redactUrl } from '@app/common';
import type { UpstreamTarget } from '@app/registry';

/**
 * timeout: no answer in time; unreachable: transport failure (refused, reset, HTTP error);
 * protocol: the upstream answered with a JSON-RPC error.
 */
export type UpstreamFailureKind = 'timeout' | 'unreachable' | 'protocol';

/**
 * A failed call to an upstream. Its message is redacted and it carries no cause, so it may be
 * logged or returned to a client as it is.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    message: string,
    readonly upstreamId: string,
    readonly kind: UpstreamFailureKind,
    /** The upstream's JSON-RPC error code, for `protocol` failures. */
    readonly code?: number,
    /** The upstream's own JSON-RPC error (message redacted), for `protocol` failures: what a verbatim proxy answers. */
    readonly reply?: { message: string; data?: unknown },
  ) {
    super(message);
  }
}

/** Whether an error from a client call means the session itself can no longer be trusted. */
export function isSessionFailure(error: unknown): boolean {
  if (error instanceof UpstreamError) {
    return error.kind !== 'protocol';
  }
  if (error instanceof McpError) {
    return error.code === ErrorCode.ConnectionClosed || error.code === ErrorCode.RequestTimeout;
  }
  return true;
}

/** Wraps any error from talking to `target` into a redacted UpstreamError. */
export function toUpstreamError(error: unknown, target: UpstreamTarget, action: string): UpstreamError {
  if (error instanceof UpstreamError) {
    return error;
  }
  const kind = failureKind(error);
  const reason = redactSecrets(describe(error), target.connectionUrl, { secretPath: target.secretPath });
  const upstream = `"${escapeNonPrintable(target.name)}" (${redactUrl(target.url)})`;
  const message = `${action} on upstream ${upstream} failed: ${reason}`;
  if (kind === 'protocol' && error instanceof McpError) {
    const own = redactSecrets(ownMessage(error), target.connectionUrl, { secretPath: target.secretPath });
    return new UpstreamError(message, target.id, kind, error.code, { message: own, data: error.data });
  }
  return new UpstreamError(message, target.id, kind);
}

function failureKind(error: unknown): UpstreamFailureKind {
  if (error instanceof DeadlineExceededError) {
    return 'timeout';
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) {
      return 'timeout';
    }
    return error.code === ErrorCode.ConnectionClosed ? 'unreachable' : 'protocol';
  }
  return 'unreachable';
}

function describe(error: unknown): string {
  if (!isErrorLike(error)) {
    return String(error);
  }
  const message = ownMessage(error) || error.name || 'unknown error';
  // fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in its cause.
  const cause = isErrorLike(error.cause) ? error.cause.message : undefined;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

/** The error's message without the "MCP error <code>: " prefix the SDK adds (the code travels separately). */
function ownMessage(error: { message: string }): string {
  return error instanceof McpError ? error.message.replace(/^MCP error -?\d+: /, '') : error.message;
}
