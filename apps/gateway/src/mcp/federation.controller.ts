import { All, Controller, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FederationService } from './federation.service';
import { McpSessionHost } from './sessions/mcp-session-host';

/** `/mcp`: the federation endpoint over Streamable HTTP (sessions per MCP_SESSIONS). */
@Controller('mcp')
export class FederationController {
  constructor(
    private readonly host: McpSessionHost,
    private readonly federation: FederationService,
  ) {}

  @All()
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.host.handle(this.federation, 'mcp', req, res);
  }
}
