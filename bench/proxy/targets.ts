import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

/** One way of calling the echo tool: a connected client whose `call` resolves once the echo came back. */
export interface Caller {
  call(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface Target {
  /** Short key: a, b, c, d. */
  key: string;
  label: string;
  /** The gateway process that serves it (its CPU and RSS are measured), or null for the direct connection. */
  gatewayPid: number | null;
  open(): Promise<Caller>;
}

const CLIENT_INFO = { name: 'bench-proxy', version: '1.0.0' };

function checkEcho(text: string, result: Record<string, unknown>): void {
  const content = result.content as { type?: string; text?: string }[] | undefined;
  if (result.isError || content?.[0]?.text !== text) {
    throw new Error(`unexpected tool result: ${JSON.stringify(result).slice(0, 300)}`);
  }
}

/** An SDK Client over Streamable HTTP (stateful when the server hands out a session id). */
export function sdkTarget(key: string, label: string, url: string, tool: string, gatewayPid: number | null): Target {
  return {
    key,
    label,
    gatewayPid,
    async open() {
      const client = new Client(CLIENT_INFO);
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: unsignalledFetch }));
      return {
        async call(text) {
          checkEcho(text, await client.callTool({ name: tool, arguments: { text } }));
        },
        close: () => client.close(),
      };
    },
  };
}

/**
 * The transport hands every POST the same long-lived AbortSignal; undici drops its listener on
 * that signal only when the request is collected, so a long run piles them up (and warns). The
 * bench never aborts a call: the transport's requests go out without it.
 */
const unsignalledFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: undefined });

const RAW_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
};

/** The JSON-RPC message of a reply, whether sent as JSON or as one SSE `data:` event. */
function replyMessage(text: string): { result?: Record<string, unknown>; error?: unknown } {
  const payload = text.trimStart().startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  try {
    return JSON.parse(payload) as ReturnType<typeof replyMessage>;
  } catch {
    throw new Error(`unreadable reply: ${text.slice(0, 300)}`);
  }
}

/** Raw JSON-RPC POSTs with no session id and no initialize: what a stateless client sends. */
export function rawTarget(key: string, label: string, url: string, tool: string, gatewayPid: number): Target {
  return {
    key,
    label,
    gatewayPid,
    async open() {
      let id = 0;
      return {
        async call(text) {
          const res = await fetch(url, {
            method: 'POST',
            headers: RAW_HEADERS,
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: ++id,
              method: 'tools/call',
              params: { name: tool, arguments: { text } },
            }),
          });
          const body = await res.text();
          if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${body.slice(0, 300)}`);
          const message = replyMessage(body);
          if (!message.result) throw new Error(`POST ${url}: ${JSON.stringify(message.error).slice(0, 300)}`);
          checkEcho(text, message.result);
        },
        close: async () => undefined,
      };
    },
  };
}

/** True when `url` answers an MCP initialize (false on 404: the endpoint does not exist). */
export async function endpointExists(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    headers: RAW_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    }),
  });
  const sessionId = res.headers.get('mcp-session-id');
  await res.arrayBuffer();
  // A probe that opened a session closes it again.
  if (sessionId) {
    await fetch(url, { method: 'DELETE', headers: { ...RAW_HEADERS, 'mcp-session-id': sessionId } })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  }
  if (res.status === 404) return false;
  if (res.status >= 400) throw new Error(`probing ${url}: ${res.status}`);
  return true;
}

/** Waits until an SDK client of `url` lists `tool` (discovery of a new upstream runs in the background). */
export async function waitForTool(url: string, tool: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = new Client(CLIENT_INFO);
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    for (;;) {
      const { tools } = await client.listTools();
      if (tools.some((t) => t.name === tool)) return;
      if (Date.now() > deadline) throw new Error(`${url} did not list ${tool} within ${timeoutMs} ms`);
      await new Promise((done) => setTimeout(done, 200));
    }
  } finally {
    await client.close();
  }
}
