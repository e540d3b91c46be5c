import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { errorMessage, redactError, redactSecrets } from '@app/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Gateway } from './entities/gateway.entity';
import { UpstreamNameTakenError, UpstreamNotFoundError } from './errors';
import { GatewayRepository } from './gateway.repository';
import { assertPollingOverrides } from './polling-overrides';
import { RegistryRevision } from './registry-revision';
import { registryMessages as messages } from './registry.messages';
import { isBusy, isUniqueViolation, toStorageError } from './storage-errors';
import { ToolRepository } from './tool.repository';
import { stableJson } from './tool-diff';
import type {
  CreateUpstreamInput,
  DiscoveredTool,
  HealthCheckRecord,
  RegisteredUpstream,
  RegisteredUpstreamWithTools,
  ToolChanges,
  ToolInfo,
  UpdateUpstreamInput,
  UpstreamInfo,
} from './types';
import { toUpstreamInfo } from './upstream-info';
import { isUpstreamId } from './upstream-id';
import { assertUpstreamName } from './upstream-name';
import { assertTransportFitsUrl, defaultTransportFor } from './upstream-transport';
import { isSameUpstreamAddress, parseUpstreamUrl } from './upstream-url';

const TOOL_WRITE_ATTEMPTS = 3;

/**
 * The rules of the upstream registry: registration and its order, what a change of address
 * resets, health results, tool discovery results, and which changes bump the revision.
 * Storage is the repositories' business.
 */
@Injectable()
export class UpstreamsService {
  private readonly logger = new Logger(UpstreamsService.name);
  private lastCreatedAt = 0;

  constructor(
    private readonly gateways: GatewayRepository,
    private readonly tools: ToolRepository,
    private readonly revisions: RegistryRevision,
  ) {}

  /** See RegistryRevision: grows with every change this process makes to what is served. */
  get revision(): number {
    return this.revisions.current;
  }

  async create(input: CreateUpstreamInput): Promise<UpstreamInfo> {
    assertUpstreamName(input.name);
    const secretPath = input.secretPath ?? false;
    const target = parseUpstreamUrl(input.url, { secretPath });
    const transport = input.transport ?? defaultTransportFor(target.url);
    assertTransportFitsUrl(transport, target.url);
    assertPollingOverrides(input);
    // Registration order is the directory order: two registrations in one millisecond must
    // not fall back to the (random) id to decide it.
    const now = new Date(Math.max(Date.now(), this.lastCreatedAt + 1));
    this.lastCreatedAt = now.getTime();
    const id = randomUUID();
    try {
      await this.gateways.insert({
        id,
        name: input.name,
        url: target.url,
        connectionUrl: target.connectionUrl,
        hasCredentials: target.hasCredentials,
        secretPath,
        transport,
        enabled: input.enabled ?? true,
        createdAt: now,
        updatedAt: now,
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
        healthFailures: 0,
        pin: input.pin ?? null,
        discoveryIntervalSeconds: input.discoveryIntervalSeconds ?? null,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UpstreamNameTakenError(input.name);
      throw toStorageError('create', error, target.connectionUrl, { secretPath });
    }
    this.revisions.bump();
    this.logger.log(messages.registered(id, input.name, target.url));
    return this.get(id);
  }

  async list(): Promise<UpstreamInfo[]> {
    return (await this.gateways.listAll()).map(toUpstreamInfo);
  }

  async get(id: string): Promise<UpstreamInfo> {
    return toUpstreamInfo(await this.require(this.gateways.findById(id), id));
  }

  /**
   * Renames, enables/disables, moves an upstream, switches the secrecy of its path, or sets or
   * clears (null) its polling overrides. A new address or transport resets its health; a path
   * made secret (or public) changes the canonical URL, not the server, so it keeps its health.
   */
  async update(id: string, patch: UpdateUpstreamInput): Promise<UpstreamInfo> {
    if (patch.name !== undefined) assertUpstreamName(patch.name);
    assertPollingOverrides(patch);
    const existing = await this.require(this.gateways.findWithConnectionUrl(id), id);
    if (patch.url !== undefined || patch.transport !== undefined) {
      assertTransportFitsUrl(patch.transport ?? existing.transport, patch.url ?? existing.connectionUrl);
    }
    const changes: QueryDeepPartialEntity<Gateway> = {};
    let connectionUrl = existing.connectionUrl;
    const secretPath = patch.secretPath ?? existing.secretPath;
    if (patch.name !== undefined && patch.name !== existing.name) changes.name = patch.name;
    if (patch.enabled !== undefined && patch.enabled !== existing.enabled) changes.enabled = patch.enabled;
    if (patch.pin !== undefined && patch.pin !== existing.pin) changes.pin = patch.pin;
    const interval = patch.discoveryIntervalSeconds;
    if (interval !== undefined && interval !== existing.discoveryIntervalSeconds) {
      changes.discoveryIntervalSeconds = interval;
    }
    let moved = false;
    if (patch.transport !== undefined && patch.transport !== existing.transport) {
      changes.transport = patch.transport;
      moved = true;
    }
    if (patch.url !== undefined || secretPath !== existing.secretPath) {
      const target = parseUpstreamUrl(patch.url ?? existing.connectionUrl, { secretPath });
      if (secretPath !== existing.secretPath) changes.secretPath = secretPath;
      if (target.url !== existing.url) changes.url = target.url;
      if (target.hasCredentials !== existing.hasCredentials) changes.hasCredentials = target.hasCredentials;
      if (target.connectionUrl !== existing.connectionUrl) {
        changes.connectionUrl = target.connectionUrl;
        connectionUrl = target.connectionUrl;
        // Rotated credentials alone leave the server, and so its last health result, the same.
        moved ||= !isSameUpstreamAddress(target.connectionUrl, existing.connectionUrl);
      }
    }
    if (Object.keys(changes).length === 0) return toUpstreamInfo(existing);
    // New credentials alone are logged as a new url: what changed in it is not for the log.
    const fields = [...new Set(Object.keys(changes).map((field) => (field === 'connectionUrl' ? 'url' : field)))];
    if (moved) Object.assign(changes, { lastHealthOk: null, lastHealthError: null, lastHealthAt: null, healthFailures: 0 });
    else if (changes.secretPath === true && existing.lastHealthError !== null) {
      // An error stored while the path was shown may quote it: mask it by the new rule.
      changes.lastHealthError = redactSecrets(existing.lastHealthError, existing.connectionUrl, { secretPath: true });
    }
    changes.updatedAt = new Date();
    try {
      await this.gateways.update(id, changes);
    } catch (error) {
      if (isUniqueViolation(error) && typeof changes.name === 'string') throw new UpstreamNameTakenError(changes.name);
      // A path that was secret before this change, or is after it, is masked either way.
      throw toStorageError('update', error, connectionUrl, { secretPath: secretPath || existing.secretPath });
    }
    this.revisions.bump();
    this.logger.log(messages.updated(id, fields));
    return this.get(id);
  }

  /** Deletes an upstream and, by cascade, its tools. */
  async delete(id: string): Promise<void> {
    if (!(await this.gateways.delete(id))) throw new UpstreamNotFoundError(id);
    this.revisions.bump();
    this.logger.log(messages.deleted(id));
  }

  /** Everything needed to dial the upstream, credentials included. */
  getTarget(id: string): Promise<RegisteredUpstream> {
    return this.require(this.gateways.findTarget(id), id);
  }

  /** Every enabled upstream's target, in directory order. */
  listEnabledTargets(): Promise<RegisteredUpstream[]> {
    return this.gateways.listEnabledTargets();
  }

  /**
   * Stores the result of a health check; the error text is redacted against the upstream's own
   * credentials first. Returns whether the health state changed (first result, or ok flipped),
   * so callers can log transitions only; false as well when the upstream was deleted meanwhile.
   */
  async recordHealth(id: string, ok: boolean, error?: unknown): Promise<boolean> {
    return (await this.recordHealthCheck(id, ok, error))?.changed ?? false;
  }

  /**
   * Stores the result of a health check with hysteresis: a failure is counted, and the upstream
   * is marked down (`lastHealthOk` false) only at the `downAfter`-th failure in a row; one success
   * marks it up and clears the count. A failure short of that keeps the stored state and records
   * its reason. Null when the upstream was deleted meanwhile.
   */
  async recordHealthCheck(id: string, ok: boolean, error?: unknown, downAfter = 1): Promise<HealthCheckRecord | null> {
    const row = await this.gateways.findHealthState(id);
    if (row === null) return null;
    const now = new Date();
    const failures = ok ? 0 : row.healthFailures + 1;
    const up = ok ? true : failures >= Math.max(1, downAfter) ? false : row.lastHealthOk;
    const changes: QueryDeepPartialEntity<Gateway> = ok
      ? { lastHealthOk: true, lastHealthError: null, lastHealthAt: now, lastSeenAt: now, healthFailures: 0 }
      : {
          lastHealthOk: up,
          lastHealthError: redactSecrets(
            error === undefined ? messages.healthCheckFailed() : errorMessage(error),
            row.connectionUrl,
            { secretPath: row.secretPath },
          ),
          lastHealthAt: now,
          healthFailures: failures,
        };
    if (!(await this.gateways.update(id, changes))) return null;
    const changed = row.lastHealthOk !== up;
    if (changed) this.revisions.bump();
    return { up, before: row.lastHealthOk, failures, changed };
  }

  /** The message of an error about this upstream, with its credentials (secret path included) and URLs redacted. */
  async redactError(id: string, error: unknown): Promise<string> {
    const row = await this.gateways.findHealthState(id);
    return redactError(error, row?.connectionUrl, { secretPath: row?.secretPath ?? false });
  }

  /**
   * Makes the stored tools of an upstream exactly `tools` and counts the discovery as a
   * successful contact. Returns the names added, updated and removed.
   */
  async replaceTools(id: string, tools: readonly DiscoveredTool[]): Promise<ToolChanges> {
    if (!isUpstreamId(id)) throw new UpstreamNotFoundError(id);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const written = await this.tools.replace(id, tools);
        if (written.added.length + written.updated.length + written.removed.length > 0) this.revisions.bump();
        return written;
      } catch (error) {
        // Another worker's concurrent refresh of the same upstream won the race: start over on its result.
        if (attempt < TOOL_WRITE_ATTEMPTS && (isUniqueViolation(error) || isBusy(error))) continue;
        throw toStorageError('tool update', error);
      }
    }
  }

  /**
   * Stores what discovery learnt of an upstream's MCP features (capabilities, resources,
   * templates, prompts), as JSON the reader validates. Returns whether it changed; a change
   * bumps the revision, so this worker's /mcp serves it at once.
   */
  async recordMcpFeatures(id: string, features: Record<string, unknown>): Promise<boolean> {
    if (!isUpstreamId(id)) throw new UpstreamNotFoundError(id);
    const json = JSON.stringify(features);
    let stored: string | null | undefined;
    try {
      stored = (await this.gateways.findMcpFeatures([id])).get(id);
      if (stored === undefined) throw new UpstreamNotFoundError(id);
      if (stored !== null && sameJson(stored, features)) return false;
      await this.gateways.update(id, { mcpFeatures: json });
    } catch (error) {
      if (error instanceof UpstreamNotFoundError) throw error;
      throw toStorageError('feature update', error);
    }
    this.revisions.bump();
    return true;
  }

  /** Every enabled upstream's target with its stored tools and MCP features, in directory order. */
  async listEnabledWithTools(): Promise<RegisteredUpstreamWithTools[]> {
    const targets = await this.gateways.listEnabledTargets();
    const ids = targets.map((t) => t.id);
    const tools = await this.tools.listByUpstreams(ids);
    const features = await this.gateways.findMcpFeatures(ids);
    return targets.map((target) => ({
      ...target,
      tools: tools.get(target.id) ?? [],
      mcpFeatures: features.get(target.id) ?? null,
    }));
  }

  /** The stored tools of an upstream, by name. */
  async listTools(id: string): Promise<ToolInfo[]> {
    await this.require(this.gateways.findById(id), id);
    return this.tools.listByUpstream(id);
  }

  private async require<T>(found: Promise<T | null>, id: string): Promise<T> {
    const row = await found;
    if (row === null) throw new UpstreamNotFoundError(id);
    return row;
  }
}

function sameJson(stored: string, value: unknown): boolean {
  try {
    return stableJson(JSON.parse(stored)) === stableJson(value);
  } catch {
    return false;
  }
}
