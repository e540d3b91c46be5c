import type { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { mcpAuthMessages as messages } from './mcp-auth.messages';

/**
 * Refusals logged without flooding: the first after an accepted request (or the start) at log
 * level, the rest at debug until a request is accepted again.
 */
export class RejectionLog {
  private rejecting = false;

  constructor(private readonly logger: Logger) {}

  rejected(reason: string, address: string): void {
    if (this.rejecting) {
      this.logger.debug(messages.rejected(reason, address));
      return;
    }
    this.rejecting = true;
    this.logger.log(messages.rejectedStart(reason, address));
  }

  accepted(): void {
    this.rejecting = false;
  }
}

/** The peer's address, for log lines (the socket's: forwarding headers are the client's to invent). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown address';
}
