import { Injectable, Logger } from '@nestjs/common';
import { escapeNonPrintable } from '@app/common';
import { PollGate } from '@app/classification';
import { UpstreamsService, type RegisteredUpstream } from '@app/registry';
import { UpstreamControlClient } from '../mcp';
import { PollStats } from '../classification/poll-stats';
import type { ToolRefresher, ToolRefreshResult } from './tool-refresher';

/**
 * One discovery: the upstream's capabilities and the tools, resources, resource templates and
 * prompts they announce (outside the session pool, so it is not usage), stored in the
 * registry, tool changes logged by name. Only a discovery that succeeded is
 * recorded as a completed poll. Concurrent refreshes of one gateway share a single call.
 */
@Injectable()
export class ToolDiscoveryService implements ToolRefresher {
  private readonly logger = new Logger(ToolDiscoveryService.name);
  private readonly inFlight = new Map<string, Promise<ToolRefreshResult>>();

  constructor(
    private readonly gateways: UpstreamsService,
    private readonly control: UpstreamControlClient,
    private readonly gate: PollGate,
    private readonly stats: PollStats,
  ) {}

  async refresh(gatewayId: string): Promise<ToolRefreshResult> {
    const connection = await this.gateways.getTarget(gatewayId);
    return this.refreshConnection(connection);
  }

  /**
   * For pollers that already hold the connection details. A claim round records its polls
   * itself, in one batch (`markPolled: false`); a refresh on its own records it here.
   */
  async refreshConnection(
    connection: RegisteredUpstream,
    options: { markPolled?: boolean } = {},
  ): Promise<ToolRefreshResult> {
    let work = this.inFlight.get(connection.id);
    if (!work) {
      work = this.discover(connection).finally(() => this.inFlight.delete(connection.id));
      this.inFlight.set(connection.id, work);
    }
    const result = await work;
    if (options.markPolled ?? true) await this.gate.markPollCompleted(connection.url, 'tool_discovery', connection.id);
    return result;
  }

  private async discover(connection: RegisteredUpstream): Promise<ToolRefreshResult> {
    let found;
    try {
      found = await this.control.discoverFeatures(connection);
    } catch (error) {
      this.stats.record('tool_discovery', 'failed');
      throw error;
    }
    const { tools, capabilities, resources, resourceTemplates, prompts } = found;
    const changes = await this.gateways.replaceTools(
      connection.id,
      tools.map((t) => ({
        name: t.name,
        description: t.description ?? null,
        inputSchema: t.inputSchema,
        definition: { ...t },
      })),
    );
    // Stored after the tools: a reader never sees capabilities announcing tools not stored yet.
    await this.gateways.recordMcpFeatures(connection.id, { capabilities, resources, resourceTemplates, prompts });
    this.stats.record('tool_discovery', 'performed');
    const { added, updated, removed } = changes;
    if (added.length + updated.length + removed.length > 0) {
      this.logger.log(
        `Tools of ${escapeNonPrintable(connection.name)} changed: ` +
          `${describeChanges('added', added)}${describeChanges('updated', updated)}${describeChanges('removed', removed)}`.trim(),
      );
    } else {
      this.logger.debug(`Tools of ${escapeNonPrintable(connection.name)} unchanged (${tools.length})`);
    }
    return { added, updated, removed, total: tools.length };
  }
}

/** Tool names are the upstream's own: escaped, so none can rewrite the log line. */
function describeChanges(label: string, names: string[]): string {
  return names.length ? ` ${label} [${names.map(escapeNonPrintable).join(', ')}]` : '';
}
