import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, or the first JSON message of an SSE answer; null when there is none. */
  body: unknown;
  text: string;
}

export interface RawRequest {
  /** `/mcp` unless given. */
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * One HTTP request to an MCP endpoint, as a browser or a hand-written client would send it: any
 * Host and Origin (fetch forbids setting Host), no session, JSON-RPC body as given.
 */
export function rawMcp(baseUrl: string, options: RawRequest = {}): Promise<RawAnswer> {
  const url = new URL(options.path ?? '/mcp', baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text), text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url.href} did not answer within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A JSON-RPC request with a fresh id. */
export function rpc(method: string, params: Record<string, unknown> = {}): Record<string, unknown> {
  rpcId += 1;
  return { jsonrpc: '2.0', id: rpcId, method, params };
}
let rpcId = 0;

export function toolCall(name: string, args: Record<string, unknown> = {}): Record<string, unknown> {
  return rpc('tools/call', { name, arguments: args });
}

export const INITIALIZE_PARAMS = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'raw-e2e-client', version: '1.0.0' },
};

function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    const data = text.split('\n').find((line) => line.startsWith('data:'));
    if (data === undefined) return null;
    try {
      return JSON.parse(data.slice('data:'.length));
    } catch {
      return null;
    }
  }
}
