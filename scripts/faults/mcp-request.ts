/** One JSON-RPC request to a gateway's stateless `/mcp`, as an MCP client sends it over Streamable HTTP. */
export async function mcpRequest(
  baseUrl: string,
  method: string,
  params: Record<string, unknown>,
  options: { user?: string; timeoutMs: number },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (options.user !== undefined) headers['x-mcp-user'] = options.user;
  const res = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  return { status: res.status, text: await res.text() };
}

/** The JSON-RPC result in a reply, whether sent as JSON or as one SSE `data:` event. */
export function rpcResult(text: string): Record<string, unknown> | null {
  const payload = text.trimStart().startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  try {
    const message = JSON.parse(payload) as { result?: unknown };
    return message.result && typeof message.result === 'object' ? (message.result as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
