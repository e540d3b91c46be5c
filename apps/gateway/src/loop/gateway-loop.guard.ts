import { Inject, Injectable } from '@nestjs/common';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { FLEET_ID } from './fleet-id';
import { GatewayLoopError, ThisGatewayError } from './gateway-loop.errors';
import { currentVia, formatVia, GATEWAY_ID_HEADER, GATEWAY_VIA_HEADER } from './gateway-via';

/** Injection token of the GatewayLoopGuard, optional wherever it is used (unit tests build parts without it). */
export const GATEWAY_LOOP_GUARD = Symbol('GATEWAY_LOOP_GUARD');

/** Which upstream a fetch talks to: its registry id (or a probe's own key) and its name for messages. */
export interface LoopGuardedUpstream {
  id: string;
  name: string;
}

/**
 * The gateway's side of loop detection on its own requests upstream: every request names the
 * gateways it has passed (the client request's Via plus this fleet), and every answer says
 * whether the upstream is a gateway and which one. Those ids are remembered per upstream, in
 * memory: every contact (health check, discovery, call) refreshes them, so each worker learns
 * them within a health interval of starting.
 */
@Injectable()
export class GatewayLoopGuard {
  private readonly gatewayIds = new Map<string, string>();

  constructor(@Inject(FLEET_ID) readonly fleetId: string) {}

  /**
   * A fetch for the SDK transports of `upstream`: adds Mcp-Gateway-Via and reads Mcp-Gateway-Id.
   * Fails with ThisGatewayError when the upstream is this fleet, and with GatewayLoopError when
   * an upstream gateway refused the request as a loop (508).
   */
  wrapFetch(upstream: LoopGuardedUpstream, base: FetchLike = fetch): FetchLike {
    return async (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set(GATEWAY_VIA_HEADER, formatVia([...currentVia(), this.fleetId]));
      const response = await base(url, { ...init, headers });
      const answeredBy = response.headers.get(GATEWAY_ID_HEADER)?.trim() || null;
      this.record(upstream.id, answeredBy);
      if (answeredBy === this.fleetId) {
        await response.body?.cancel().catch(() => undefined);
        throw new ThisGatewayError(upstream.name);
      }
      if (response.status === 508) {
        await response.body?.cancel().catch(() => undefined);
        throw new GatewayLoopError(upstream.name);
      }
      return response;
    };
  }

  /** The fleet id the upstream last answered with; undefined when it is no gateway (or not contacted yet). */
  gatewayIdOf(upstreamId: string): string | undefined {
    return this.gatewayIds.get(upstreamId);
  }

  /**
   * Whether the request being served came through the gateway behind `upstreamId`: its tools
   * are then left out of lists, so two gateways registered with each other do not nest each
   * other's tools round after round.
   */
  excludes(upstreamId: string): boolean {
    const id = this.gatewayIds.get(upstreamId);
    return id !== undefined && currentVia().includes(id);
  }

  /** Forgets an upstream (a probe's key, once the probe is done). */
  forget(upstreamId: string): void {
    this.gatewayIds.delete(upstreamId);
  }

  private record(upstreamId: string, gatewayId: string | null): void {
    if (gatewayId === null) this.gatewayIds.delete(upstreamId);
    else this.gatewayIds.set(upstreamId, gatewayId);
  }
}
