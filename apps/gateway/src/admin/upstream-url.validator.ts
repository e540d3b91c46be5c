import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  checkUpstreamTarget,
  InvalidUpstreamUrlError,
  isStdioUrl,
  parseUpstreamUrl,
  stdioServerNameOf,
  UPSTREAM_HOST_RESOLVER,
  type HostResolver,
} from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { STDIO_SERVER_CATALOG, StdioServerCatalog } from '../mcp/stdio-servers';
import { validationError } from './validation-error';

/**
 * Whether an upstream URL may be registered: metadata and link-local targets never, private
 * ones not when UPSTREAM_BLOCK_PRIVATE is on, judged by the host and by every address it
 * resolves to; `stdio:<name>` only for a name of the operator's STDIO_SERVERS.
 */
@Injectable()
export class UpstreamUrlValidator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UPSTREAM_HOST_RESOLVER) private readonly resolve: HostResolver,
    @Optional() @Inject(STDIO_SERVER_CATALOG) private readonly stdio: StdioServerCatalog = new StdioServerCatalog(),
  ) {}

  async assertAllowed(url: string): Promise<void> {
    let hostname: string;
    try {
      hostname = parseUpstreamUrl(url).hostname;
    } catch (error) {
      if (error instanceof InvalidUpstreamUrlError) throw validationError([{ field: 'url', message: error.reason }]);
      throw error;
    }
    if (isStdioUrl(url)) {
      this.assertStdioAllowed(stdioServerNameOf(url) ?? '');
      return;
    }
    const verdict = await checkUpstreamTarget(
      hostname,
      { blockPrivate: this.config.upstreamBlockPrivate },
      this.resolve,
    );
    if (!verdict.allowed) throw validationError([{ field: 'url', message: verdict.reason }]);
  }

  // Only the operator's configuration says what may be started; the admin API only picks a name.
  private assertStdioAllowed(name: string): void {
    if (this.stdio.get(name) !== undefined) return;
    throw validationError([
      { field: 'url', message: `stdio server "${name}" is not configured (${this.stdio.describeAllowed()})` },
    ]);
  }
}
