import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable } from '@nestjs/common';
import type { UpstreamTarget, UpstreamTransport } from '@app/registry';
import { parseUpstreamUrl } from '@app/registry';
import { UpstreamControlClient } from '../mcp';
import { ThisGatewayError } from './gateway-loop.errors';
import { GATEWAY_LOOP_GUARD, GatewayLoopGuard } from './gateway-loop.guard';

/** Injection token of the SelfRegistrationProbe (optional in the admin API). */
export const SELF_REGISTRATION_PROBE = Symbol('SELF_REGISTRATION_PROBE');

/** Long enough for this gateway's own answer (508 at once); an upstream slower than this is not this gateway. */
export const SELF_PROBE_WAIT_MS = 2_000;

const PROBED_TRANSPORTS: ReadonlySet<UpstreamTransport> = new Set<UpstreamTransport>(['streamablehttp', 'sse']);

export interface ProbedRegistration {
  name: string;
  url: string;
  transport?: UpstreamTransport;
  secretPath?: boolean;
}

/**
 * Before an upstream is registered: one ping to it, to refuse this gateway's own endpoint (any
 * worker of this fleet answers with its fleet id). Best effort: an upstream that is down, slow or
 * not a gateway is registered as before, and the pollers catch a loop that appears later.
 */
@Injectable()
export class SelfRegistrationProbe {
  constructor(
    private readonly control: UpstreamControlClient,
    @Inject(GATEWAY_LOOP_GUARD) private readonly guard: GatewayLoopGuard,
  ) {}

  /** Throws a 409 ConflictException "upstream <name> is this gateway" when it is. */
  async assertNotThisGateway(registration: ProbedRegistration): Promise<void> {
    const transport = registration.transport ?? 'streamablehttp';
    if (!PROBED_TRANSPORTS.has(transport)) return;
    const secretPath = registration.secretPath ?? false;
    // The registry will say what is wrong with a URL it cannot take.
    let parsed: ReturnType<typeof parseUpstreamUrl>;
    try {
      parsed = parseUpstreamUrl(registration.url, { secretPath });
    } catch {
      return;
    }
    const target: UpstreamTarget = {
      id: `probe:${randomUUID()}`,
      name: registration.name,
      url: parsed.url,
      connectionUrl: parsed.connectionUrl,
      secretPath,
      transport,
    };
    const ping = this.control.ping(target).then(
      () => undefined,
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((done) => {
      timer = setTimeout(done, SELF_PROBE_WAIT_MS);
    });
    try {
      await Promise.race([ping, waited]);
    } finally {
      clearTimeout(timer);
    }
    const self = this.guard.gatewayIdOf(target.id) === this.guard.fleetId;
    // A slow ping goes on under its own deadline; its answer is of no more use.
    void ping.finally(() => this.guard.forget(target.id));
    if (self) throw new ConflictException(new ThisGatewayError(registration.name).message);
  }
}
