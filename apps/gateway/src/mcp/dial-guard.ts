import { checkUpstreamTarget, type HostResolver, type UpstreamAddressPolicy } from '@app/registry';

/** Decides, right before each connection, whether an upstream address may still be dialled. */
export interface DialGuard {
  /** Rejects with a message naming the reason (never the URL's credentials). */
  assertDialable(url: URL): Promise<void>;
}

export const DIAL_GUARD = Symbol('DIAL_GUARD');

/**
 * Applies the registration policy again at connect time: a name that resolved to a public
 * address when it was registered may point at a metadata or private address now (DNS rebinding).
 */
export class AddressDialGuard implements DialGuard {
  constructor(
    private readonly policy: UpstreamAddressPolicy,
    private readonly resolve: HostResolver,
  ) {}

  async assertDialable(url: URL): Promise<void> {
    const verdict = await checkUpstreamTarget(url.hostname, this.policy, this.resolve);
    if (!verdict.allowed) throw new Error(`upstream address refused: ${verdict.reason}`);
  }
}
