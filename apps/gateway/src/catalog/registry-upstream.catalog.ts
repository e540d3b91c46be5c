import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { errorMessage, escapeNonPrintable, redactSecrets } from '@app/common';
import { RegistryUnavailableError, UpstreamsService } from '@app/registry';
import type { RegisteredUpstreamWithTools, UpstreamTarget } from '@app/registry';
import type { CatalogUpstream, ListActiveOptions, UpstreamCatalog } from '../mcp';
import { parseStoredFeatures, parseStoredTool } from './stored-features';

/** How the catalog trades freshness against waiting on the database. */
export interface CatalogOptions {
  /**
   * How long a read (or a failed attempt) stands before the next caller reads again. This
   * worker's own registry changes (the revision) start a read at once.
   */
  freshForMs: number;
  /** The longest a caller waits on a read when a copy is held; past it the copy is served. */
  maxWaitMs: number;
}

export const CATALOG_OPTIONS = Symbol('CATALOG_OPTIONS');

export const DEFAULT_CATALOG_OPTIONS: CatalogOptions = { freshForMs: 1_000, maxWaitMs: 500 };

/** One successful read of the registry. */
interface Copy {
  /** Enabled upstreams not known to be unhealthy, with their tools: what /mcp serves. */
  upstreams: CatalogUpstream[];
  /** Every enabled upstream, the unhealthy with `available: false`: how /mcp tells "down" from "unknown". */
  enabled: CatalogUpstream[];
  /** Every enabled upstream's target, by id: what `get` answers. */
  targets: Map<string, UpstreamTarget>;
}

interface Read {
  /** The registry revision when the read started: it sees every change up to it. */
  revision: number;
  startedAt: number;
  promise: Promise<Copy>;
}

/**
 * The MCP layer's view of the registry: enabled upstreams not known to be unhealthy (a new one
 * is served as soon as its first discovery stored tools), with their stored tools.
 *
 * The database is not a single point of failure of /mcp:
 * - the last good read is kept and served whenever a read fails, or is slow: a caller that holds
 *   a copy waits for a read at most `maxWaitMs` (the read goes on in the background);
 * - reads are single-flight: at most one is in flight, every caller shares it, so a database that
 *   hangs cannot queue reads (a caller that needs this worker's newer changes waits for one
 *   follow-up read, shared as well);
 * - a read, or a failed attempt, stands for `freshForMs`, so a database that refuses is asked
 *   once per interval, not once per call;
 * - with no copy yet (the database was down since start) callers get RegistryUnavailableError,
 *   the last failure's at once within the interval. The first read happens at start.
 */
@Injectable()
export class RegistryUpstreamCatalog implements UpstreamCatalog, OnApplicationBootstrap {
  private readonly logger = new Logger(RegistryUpstreamCatalog.name);
  private readonly options: CatalogOptions;
  /** The last catalog read that succeeded; null until one has. */
  private lastGood: Copy | null = null;
  /** When the last read ended (success or failure), and the revision it saw. */
  private checked: { at: number; revision: number; failure: unknown } | null = null;
  private inFlight: Read | null = null;
  private followUp: Promise<Copy> | null = null;
  /** Whether the last read failed: a failure is logged once, not on every attempt. */
  private failing = false;
  private readonly reportedProblems = new Set<string>();

  constructor(
    private readonly gateways: UpstreamsService,
    @Optional() @Inject(CATALOG_OPTIONS) options?: Partial<CatalogOptions>,
  ) {
    this.options = { ...DEFAULT_CATALOG_OPTIONS, ...options };
  }

  /** A first read at start, so a copy is held before the first client asks (and before an outage). */
  onApplicationBootstrap(): void {
    this.current().catch(() => undefined);
  }

  /** True once a catalog read has succeeded and a copy of it is held. */
  hasLastGood(): boolean {
    return this.lastGood !== null;
  }

  async listActive(options: ListActiveOptions = {}): Promise<CatalogUpstream[]> {
    return (await this.current(options.waitForRead === true)).upstreams;
  }

  async listEnabled(options: ListActiveOptions = {}): Promise<CatalogUpstream[]> {
    return (await this.current(options.waitForRead === true)).enabled;
  }

  revision(): number {
    return this.gateways.revision;
  }

  /** The enabled upstream's target, null when it is not (or no longer) enabled or registered. */
  async get(id: string): Promise<UpstreamTarget | null> {
    return (await this.current()).targets.get(id) ?? null;
  }

  async findByName(name: string): Promise<{ target: UpstreamTarget; active: boolean } | null> {
    const copy = await this.current();
    const target = [...copy.targets.values()].find((t) => t.name === name);
    if (!target) return null;
    return { target, active: copy.upstreams.some((u) => u.id === target.id) };
  }

  /**
   * The copy to serve now: fresh enough, or the outcome of a read bounded as described above
   * (`waitForRead`: the read's outcome however long it takes, the copy if it fails).
   */
  private async current(waitForRead = false): Promise<Copy> {
    const revision = this.revision();
    const now = Date.now();
    const copy = this.lastGood;
    const checked = this.checked;
    const standing = checked !== null && checked.revision === revision && now - checked.at < this.options.freshForMs;
    if (standing) {
      if (copy !== null) return copy;
      throw unavailable(checked.failure);
    }
    const read = this.refresh(revision);
    if (copy === null) return read;
    if (waitForRead) return read.catch(() => copy);
    const waitMs = Math.max(0, (this.inFlight?.startedAt ?? now) + this.options.maxWaitMs - now);
    if (waitMs === 0) return copy;
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<Copy>((resolve) => {
      timer = setTimeout(() => resolve(copy), waitMs);
    });
    try {
      return await Promise.race([read.catch(() => copy), slow]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The read in flight, when it saw `revision`; otherwise one follow-up read after it (shared by
   * every caller that needs a newer revision); otherwise a new read.
   */
  private refresh(revision: number): Promise<Copy> {
    const running = this.inFlight;
    if (running === null) return this.start(revision);
    if (running.revision >= revision) return running.promise;
    this.followUp ??= running.promise
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.followUp = null;
        return this.refresh(this.revision());
      });
    return this.followUp;
  }

  private start(revision: number): Promise<Copy> {
    const promise = this.read().then(
      (copy) => {
        this.finish(read, revision, null);
        this.lastGood = copy;
        if (this.failing) this.logger.log('Registry readable again: serving its current catalog');
        this.failing = false;
        return copy;
      },
      (error: unknown) => {
        this.finish(read, revision, error);
        if (!this.failing) {
          this.logger.warn(
            this.lastGood === null
              ? `Registry unavailable and no catalog read yet: /mcp answers "registry unavailable" (${reasonOf(error)})`
              : `Registry unavailable: serving the last catalog read (${this.lastGood.upstreams.length} upstreams) (${reasonOf(error)})`,
          );
        }
        this.failing = true;
        throw unavailable(error);
      },
    );
    const read: Read = { revision, startedAt: Date.now(), promise };
    this.inFlight = read;
    // Callers that time out on it, or join no longer, must not leave a rejection unhandled.
    promise.catch(() => undefined);
    return promise;
  }

  private finish(read: Read, revision: number, failure: unknown): void {
    if (this.inFlight === read) this.inFlight = null;
    this.checked = { at: Date.now(), revision, failure };
  }

  private async read(): Promise<Copy> {
    const rows = await this.gateways.listEnabledWithTools();
    const enabled = rows.map((u) => this.toCatalogUpstream(u));
    return {
      upstreams: enabled.filter((u) => u.available !== false),
      enabled,
      targets: new Map(rows.map((u) => [u.id, toTarget(u)])),
    };
  }

  private toCatalogUpstream(u: RegisteredUpstreamWithTools): CatalogUpstream {
    const problem = (field: string): void => this.storedValueProblem(u, field);
    const features = parseStoredFeatures(u.mcpFeatures, problem);
    return {
      ...toTarget(u),
      ...features,
      tools: u.tools.map((t) => {
        const definition = parseStoredTool(t.definition, t.name, problem);
        return {
          name: t.name,
          description: t.description,
          inputSchema: t.inputSchema,
          ...(definition ? { definition } : {}),
        };
      }),
      ...(u.lastHealthOk === false ? { available: false } : {}),
    };
  }

  /** A stored value that does not validate is left out; said once per upstream and field, not on every read. */
  private storedValueProblem(u: RegisteredUpstreamWithTools, field: string): void {
    const key = `${u.id}\u0000${field}`;
    if (this.reportedProblems.has(key)) return;
    if (this.reportedProblems.size > 10_000) this.reportedProblems.clear();
    this.reportedProblems.add(key);
    this.logger.warn(
      `Skipped an invalid stored value of upstream ${escapeNonPrintable(u.name)} (${escapeNonPrintable(field)}); the next discovery replaces it`,
    );
  }
}

function toTarget(u: RegisteredUpstreamWithTools): UpstreamTarget {
  return {
    id: u.id,
    name: u.name,
    url: u.url,
    connectionUrl: u.connectionUrl,
    secretPath: u.secretPath,
    transport: u.transport,
  };
}

function unavailable(error: unknown): RegistryUnavailableError {
  return error instanceof RegistryUnavailableError ? error : new RegistryUnavailableError(reasonOf(error));
}

function reasonOf(error: unknown): string {
  return error instanceof RegistryUnavailableError ? error.reason : redactSecrets(errorMessage(error));
}
