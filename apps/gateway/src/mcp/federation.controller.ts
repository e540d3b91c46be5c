import { Controller, Delete, Get, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { FederationService } from './federation.service';

/** `/mcp`: the federation endpoint, MCP Streamable HTTP in stateless mode (POST only). */
@Controller('mcp')
export class FederationController {
  constructor(private readonly federation: FederationService) {}

  @Post()
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.federation.handle(req, res);
  }

  // Stateless: there is no session to stream notifications on (GET) or to terminate (DELETE).
  @Get()
  get(@Res() res: Response): void {
    methodNotAllowed(res);
  }

  @Delete()
  delete(@Res() res: Response): void {
    methodNotAllowed(res);
  }
}

function methodNotAllowed(res: Response): void {
  res
    .status(HttpStatus.METHOD_NOT_ALLOWED)
    .set('Allow', 'POST')
    .json({
      jsonrpc: '2.0',
      error: { code: ErrorCode.ConnectionClosed, message: 'Method not allowed: this endpoint is stateless; use POST' },
      id: null,
    });
}
