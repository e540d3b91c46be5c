import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** Request options bound to a deadline; `dispose` once the request has settled. */
export interface CallDeadline {
  readonly options: RequestOptions;
  dispose(): void;
}

/**
 * Makes `maxTotalTimeout` a hard limit. The SDK checks it only when progress arrives, and then
 * fails the request without telling the upstream; aborting the request's signal instead sends
 * notifications/cancelled upstream, whether or not progress keeps coming. The caller's own
 * signal still aborts the request.
 */
export function callDeadline(options: RequestOptions): CallDeadline {
  const maxMs = options.maxTotalTimeout;
  if (maxMs === undefined) return { options, dispose: () => undefined };
  const controller = new AbortController();
  const callerSignal = options.signal;
  const follow = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) follow();
  else callerSignal?.addEventListener('abort', follow, { once: true });
  const timer = setTimeout(
    () => controller.abort(new McpError(ErrorCode.RequestTimeout, `no result within the ${maxMs} ms limit of a call`)),
    maxMs,
  );
  return {
    options: { ...options, signal: controller.signal },
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', follow);
    },
  };
}

/** The SDK's idle timeout, told in words a client can act on; any other error as it is. */
export function clarifyTimeout(error: unknown, options: RequestOptions): unknown {
  if (!(error instanceof McpError) || error.code !== ErrorCode.RequestTimeout) return error;
  if (error.message.includes('Request timed out') && options.timeout !== undefined) {
    const resets = options.resetTimeoutOnProgress ? ' or progress' : '';
    return new McpError(ErrorCode.RequestTimeout, `no answer${resets} within ${options.timeout} ms`);
  }
  if (error.message.includes('Maximum total timeout exceeded') && options.maxTotalTimeout !== undefined) {
    return new McpError(ErrorCode.RequestTimeout, `no result within the ${options.maxTotalTimeout} ms limit of a call`);
  }
  return error;
}
