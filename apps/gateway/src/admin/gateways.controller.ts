import {
  BadGatewayException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
  Optional,
  Param,
  Patch,
  Post,
  ServiceUnavailableException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  RegistryUnavailableError,
  UpstreamNotFoundError,
  UpstreamsService,
  type UpstreamInfo,
  type ToolInfo,
} from '@app/registry';
import { SELF_REGISTRATION_PROBE, type SelfRegistrationProbe } from '../loop/self-registration.probe';
import { TOOL_REFRESHER, type ToolRefresher, type ToolRefreshResult } from '../discovery/tool-refresher';
import { AdminTokenGuard } from './admin-token.guard';
import { GatewayIdPipe } from './gateway-id.pipe';
import {
  createGatewaySchema,
  updateGatewaySchema,
  type CreateGatewayBody,
  type UpdateGatewayBody,
} from './gateway.schemas';
import { RegistryErrorFilter } from './registry-error.filter';
import { UpstreamUrlValidator } from './upstream-url.validator';
import { ZodValidationPipe } from './zod-validation.pipe';

/**
 * The admin API of the gateway registry. Every answer is built from UpstreamInfo, which has
 * the canonical URL and `hasCredentials` but never the connection URL.
 */
@Controller('gateways')
@UseGuards(AdminTokenGuard)
@UseFilters(RegistryErrorFilter)
export class GatewaysController {
  private readonly logger = new Logger(GatewaysController.name);

  constructor(
    private readonly gateways: UpstreamsService,
    private readonly urls: UpstreamUrlValidator,
    @Optional() @Inject(TOOL_REFRESHER) private readonly refresher?: ToolRefresher,
    @Optional() @Inject(SELF_REGISTRATION_PROBE) private readonly selfProbe?: SelfRegistrationProbe,
  ) {}

  @Post()
  async create(@Body(new ZodValidationPipe(createGatewaySchema)) body: CreateGatewayBody): Promise<UpstreamInfo> {
    await this.urls.assertAllowed(body.url);
    await this.selfProbe?.assertNotThisGateway(body);
    const created = await this.gateways.create(body);
    if (created.enabled) this.discoverSoon(created.id);
    return created;
  }

  @Get()
  list(): Promise<UpstreamInfo[]> {
    return this.gateways.list();
  }

  @Get(':id')
  get(@Param('id', GatewayIdPipe) id: string): Promise<UpstreamInfo> {
    return this.gateways.get(id);
  }

  @Patch(':id')
  async update(
    @Param('id', GatewayIdPipe) id: string,
    @Body(new ZodValidationPipe(updateGatewaySchema)) body: UpdateGatewayBody,
  ): Promise<UpstreamInfo> {
    if (body.url !== undefined) await this.urls.assertAllowed(body.url);
    if (body.url !== undefined && this.selfProbe) {
      const existing = await this.gateways.get(id);
      await this.selfProbe.assertNotThisGateway({
        name: body.name ?? existing.name,
        url: body.url,
        transport: body.transport ?? existing.transport,
        secretPath: body.secretPath ?? existing.secretPath,
      });
    }
    const updated = await this.gateways.update(id, body);
    const reconnect = body.url !== undefined || body.transport !== undefined || body.enabled === true;
    if (updated.enabled && reconnect) this.discoverSoon(id);
    return updated;
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@Param('id', GatewayIdPipe) id: string): Promise<void> {
    return this.gateways.delete(id);
  }

  @Get(':id/tools')
  tools(@Param('id', GatewayIdPipe) id: string): Promise<ToolInfo[]> {
    return this.gateways.listTools(id);
  }

  /**
   * A new (or re-pointed) upstream gets its first discovery right away rather than at the next
   * poll round, so its tools show up in /mcp within seconds. Failures are the pollers' to retry.
   */
  private discoverSoon(id: string): void {
    if (!this.refresher) return;
    Promise.resolve(this.refresher.refresh(id)).catch(async (error: unknown) => {
      const message = await this.gateways.redactError(id, error).catch(() => 'unavailable');
      this.logger.warn(`first tool discovery of gateway ${id} failed: ${message}`);
    });
  }

  /** Runs tool discovery now (the pollers' gate does not apply); upstream failures are a 502. */
  @Post(':id/refresh')
  @HttpCode(HttpStatus.OK)
  async refresh(@Param('id', GatewayIdPipe) id: string): Promise<ToolRefreshResult> {
    await this.gateways.get(id);
    if (this.refresher === undefined) throw new ServiceUnavailableException('tool refresh is not available');
    try {
      return await this.refresher.refresh(id);
    } catch (error) {
      // The registry's own failures (its database refused or timed out while storing the tools)
      // are its 503, not the upstream's 502, and their text is not the client's to see.
      if (
        error instanceof HttpException ||
        error instanceof UpstreamNotFoundError ||
        error instanceof RegistryUnavailableError
      ) {
        throw error;
      }
      const message = await this.gateways.redactError(id, error).catch(() => {
        throw new RegistryUnavailableError('redacting a refresh error');
      });
      this.logger.warn(`tool refresh of gateway ${id} failed: ${message}`);
      throw new BadGatewayException(`tool refresh failed: ${message}`);
    }
  }
}
