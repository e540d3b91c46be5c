import { z } from 'zod';

const createdGateway = z.object({ id: z.string(), name: z.string(), url: z.string() });

const counters = z.object({ performed: z.number(), skipped: z.number(), failed: z.number() });

const classification = z.object({
  enabled: z.boolean(),
  intervalSeconds: z.number(),
  coldIntervalSeconds: z.number(),
  metadata: z
    .object({ timestamp: z.string(), hotCap: z.number().optional(), eligibleCount: z.number().optional() })
    .passthrough()
    .nullable(),
  hot: z.array(z.string()),
  cold: z.array(z.string()),
  servers: z.array(
    z.object({
      url: z.string(),
      class: z.enum(['hot', 'cold']).nullable(),
      gateways: z.array(
        z.object({ id: z.string(), name: z.string(), enabled: z.boolean(), nextDiscoveryAt: z.string().nullable() }),
      ),
    }),
  ),
  polls: z.object({ health: counters, tool_discovery: counters }),
});

export type ClassificationView = z.infer<typeof classification>;
export type PollCounters = z.infer<typeof counters>;

/** The gateway's admin API (`/gateways`, `/classification`), bearer-token authenticated. */
export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async register(name: string, url: string): Promise<{ id: string }> {
    const body = await this.request('POST', '/gateways', { name, url, transport: 'streamablehttp' });
    return createdGateway.parse(body);
  }

  async classification(): Promise<ClassificationView> {
    return classification.parse(await this.request('GET', '/classification'));
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => {
      throw new Error(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  }
}
