import { pollUntil, type PollOptions } from './poll-until';

/** The admin API's JSON shapes, as far as the e2e specs read them. */
export interface GatewayView {
  id: string;
  name: string;
  url: string;
  hasCredentials: boolean;
  secretPath: boolean;
  transport: 'streamablehttp' | 'sse';
  enabled: boolean;
  lastHealthOk: boolean | null;
  lastHealthError: string | null;
  lastHealthAt: string | null;
  lastSeenAt: string | null;
  pin: 'hot' | 'cold' | null;
  discoveryIntervalSeconds: number | null;
}

export interface ToolView {
  name: string;
  description: string | null;
}

export interface RefreshView {
  added: string[];
  updated: string[];
  removed: string[];
  total: number;
}

export interface PollCountersView {
  performed: number;
  skipped: number;
  failed: number;
}

export interface ClassificationView {
  enabled: boolean;
  instanceId: string;
  leader: boolean;
  intervalSeconds: number;
  coldIntervalSeconds: number;
  metadata: {
    totalServers: number;
    hotCap: number;
    hotActual: number;
    eligibleCount: number;
    /** ISO time of the publish. */
    timestamp: string;
    underutilizedReason?: string | null;
  } | null;
  hot: string[];
  cold: string[];
  minHot: number;
  servers: {
    url: string;
    class: 'hot' | 'cold' | null;
    usage: { lastUsedAt: string | null; active: number; uses: number; reportedBy: string[] } | null;
    gateways: {
      id: string;
      name: string;
      enabled: boolean;
      pin: 'hot' | 'cold' | null;
      discoveryIntervalSeconds: number | null;
      nextDiscoveryAt: string | null;
    }[];
  }[];
  fleet: { available: boolean; workers: { instanceId: string; reportedAt: string; ageSeconds: number; upstreams: number }[] };
  polls: { health: PollCountersView; tool_discovery: PollCountersView };
}

/** One entry of a health answer: `up` (possibly `degraded`, with a message) or `down`. */
export interface HealthEntryView {
  status: 'up' | 'down';
  degraded?: boolean;
  message?: string;
}

export interface HealthView {
  /** `ok`, or `error` (HTTP 503) when an entry is down (`shutting_down` late in a shutdown). */
  status: string;
  /** The keys of the degraded entries. */
  degraded: string[];
  details: {
    database?: HealthEntryView;
    catalog?: HealthEntryView & { source: 'database' | 'last good copy' | null };
    redis?: HealthEntryView;
    classification?: HealthEntryView & { leader: boolean; instanceId: string; store: string };
    lifecycle?: HealthEntryView & { draining: boolean };
    process?: HealthEntryView & { uptimeSeconds: number };
  };
}

export type HealthPath = '/health' | '/health/ready' | '/health/live';

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
  text: string;
}

export interface RequestOptions {
  /** Overrides the admin token; null sends no Authorization header. */
  token?: string | null;
  /** Sent as is, not JSON-encoded (for malformed bodies). */
  rawBody?: string;
}

/** A thin client of one gateway's HTTP API (admin, /classification, /health). */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(10_000);
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, signal });
    const text = await res.text();
    return { status: res.status, body: parseJson(text), text };
  }

  async createGateway(name: string, url: string, extra: Record<string, unknown> = {}): Promise<GatewayView> {
    return this.expect<GatewayView>(201, 'POST', '/gateways', { name, url, ...extra });
  }

  getGateway(id: string): Promise<GatewayView> {
    return this.expect<GatewayView>(200, 'GET', `/gateways/${id}`);
  }

  listGateways(): Promise<GatewayView[]> {
    return this.expect<GatewayView[]>(200, 'GET', '/gateways');
  }

  listTools(id: string): Promise<ToolView[]> {
    return this.expect<ToolView[]>(200, 'GET', `/gateways/${id}/tools`);
  }

  /** Waits until the gateway's last health check passed (`ok`) or failed (`!ok`). */
  waitForHealthResult(id: string, ok: boolean, options?: PollOptions): Promise<GatewayView> {
    const what = `gateway ${id} to ${ok ? 'pass' : 'fail'} its health check`;
    return pollUntil(
      what,
      () => this.getGateway(id),
      (g) => g.lastHealthOk === ok,
      options,
    );
  }

  refresh(id: string): Promise<RefreshView> {
    return this.expect<RefreshView>(200, 'POST', `/gateways/${id}/refresh`);
  }

  classification(): Promise<ClassificationView> {
    return this.expect<ClassificationView>(200, 'GET', '/classification');
  }

  /** /health answers 503 with the same shape when an indicator is down; both are readable. */
  async health(): Promise<HealthView> {
    return (await this.probe('/health')).body;
  }

  /** One health endpoint, without a token: its HTTP status (200 or 503) and its answer. */
  async probe(path: HealthPath): Promise<{ status: number; body: HealthView }> {
    const answer = await this.request('GET', path, undefined, { token: null });
    if (answer.status !== 200 && answer.status !== 503) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    return { status: answer.status, body: answer.body as HealthView };
  }

  private async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request(method, path, body);
    if (answer.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${answer.text}`);
    }
    return answer.body as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
