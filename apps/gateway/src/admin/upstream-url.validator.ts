import { Inject, Injectable } from '@nestjs/common';
import {
  checkUpstreamTarget,
  InvalidUpstreamUrlError,
  parseUpstreamUrl,
  UPSTREAM_HOST_RESOLVER,
  type HostResolver,
} from '@app/registry';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { validationError } from './validation-error';

/**
 * Whether an upstream URL may be registered: metadata and link-local targets never, private
 * ones not when UPSTREAM_BLOCK_PRIVATE is on, judged by the host and by every address it
 * resolves to.
 */
@Injectable()
export class UpstreamUrlValidator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UPSTREAM_HOST_RESOLVER) private readonly resolve: HostResolver,
  ) {}

  async assertAllowed(url: string): Promise<void> {
    let hostname: string;
    try {
      hostname = parseUpstreamUrl(url).hostname;
    } catch (error) {
      if (error instanceof InvalidUpstreamUrlError) throw validationError([{ field: 'url', message: error.reason }]);
      throw error;
    }
    const verdict = await checkUpstreamTarget(
      hostname,
      { blockPrivate: this.config.upstreamBlockPrivate },
      this.resolve,
    );
    if (!verdict.allowed) throw validationError([{ field: 'url', message: verdict.reason }]);
  }
}
