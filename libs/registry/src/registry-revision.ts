import { Injectable } from '@nestjs/common';

/**
 * Grows with every change this process makes to what upstreams are served and with which
 * tools, so readers (the /mcp catalog) can cache and still see their own writes at once.
 */
@Injectable()
export class RegistryRevision {
  private changes = 0;

  get current(): number {
    return this.changes;
  }

  bump(): void {
    this.changes += 1;
  }
}
