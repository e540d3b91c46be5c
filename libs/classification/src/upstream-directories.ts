import type { GatewayRepository } from '@app/registry';
import type { UpstreamDirectory, UpstreamRef } from './types';

/** The default directory: the enabled rows of the registry's `Gateway` repository, in directory order. */
export class RegistryUpstreamDirectory implements UpstreamDirectory {
  constructor(private readonly gateways: GatewayRepository) {}

  listEnabled(): Promise<UpstreamRef[]> {
    return this.gateways.listEnabledRefs();
  }
}
