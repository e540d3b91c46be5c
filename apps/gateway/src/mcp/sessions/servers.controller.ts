import { All, Controller, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { McpSessionHost } from './mcp-session-host';
import { UpstreamEndpoints } from './upstream-endpoints';

/** `/servers/<name>/mcp`: one registered upstream (by its URL-encoded name), as it is. */
@Controller('servers')
export class ServersController {
  constructor(
    private readonly host: McpSessionHost,
    private readonly endpoints: UpstreamEndpoints,
  ) {}

  @All(':name/mcp')
  async handle(@Param('name') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.host.handle(this.endpoints.forName(name), `servers/${name}`, req, res);
  }
}
