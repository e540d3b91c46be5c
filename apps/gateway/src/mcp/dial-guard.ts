import type { OnApplicationShutdown } from '@nestjs/common';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { withDeadline } from '@app/common';
import type { HostResolver, UpstreamAddressPolicy } from '@app/registry';
import { CheckedHosts } from './checked-hosts';

/** The way one upstream connection reaches its upstream. */
export interface UpstreamDial {
  /** The fetch for the connection's SDK transport: its sockets go only to addresses the policy allowed. */
  readonly fetch: FetchLike;
  /** Lets go of what `open` checked; called once the connection has closed. Idempotent. */
  release(): void;
}

/** Decides, right before each connection, whether and where an upstream may be dialled. */
export interface DialGuard {
  /**
   * Resolves and checks the upstream's host once, and returns the fetch that dials exactly the
   * addresses checked. Rejects with a message naming the reason (never the URL's credentials).
   */
  open(url: URL): Promise<UpstreamDial>;
}

export const DIAL_GUARD = Symbol('DIAL_GUARD');

export interface AddressDialGuardOptions {
  /** TLS settings for every upstream socket (tests trust their own CA here); servername stays the host's name. */
  tls?: Pick<ConnectionOptions, 'ca'>;
}

// Closing waits for requests in flight (sessions have closed by then); past this it cuts them off.
const CLOSE_GRACE_MS = 1_000;

/**
 * Applies the registration policy again at connect time, where it counts: a name that resolved to
 * a public address when it was registered may point at a metadata or private address now (DNS
 * rebinding). The name is resolved once per connection and the HTTP client is handed only the
 * addresses that passed, through one undici dispatcher (one per policy, so sockets are pooled) whose
 * `lookup` never asks DNS behind the check's back. TLS still verifies the certificate against the
 * name: only the address is fixed. Node's own fetch is undici too; the package is used here because
 * Node does not expose the dispatcher classes.
 */
export class AddressDialGuard implements DialGuard, OnApplicationShutdown {
  private readonly hosts: CheckedHosts;
  private readonly agent: Agent;
  private readonly fetch: FetchLike;
  private closing: Promise<void> | undefined;

  constructor(policy: UpstreamAddressPolicy, resolve: HostResolver, options: AddressDialGuardOptions = {}) {
    this.hosts = new CheckedHosts(policy, resolve);
    const connectChecked = buildConnector({ ...options.tls, lookup: this.hosts.lookup });
    this.agent = new Agent({
      connect: (socket, callback) => {
        const refused = this.hosts.literalRefusal(socket.hostname);
        if (refused) callback(refused, null);
        else connectChecked(socket, callback);
      },
    });
    this.fetch = (url, init) => undiciFetch(url, { ...init, dispatcher: this.agent });
  }

  async open(url: URL): Promise<UpstreamDial> {
    const release = await this.hosts.hold(url.hostname);
    return { fetch: this.fetch, release };
  }

  /** How many hosts have an answer held by an open connection. */
  heldHosts(): number {
    return this.hosts.heldCount();
  }

  /** Runs after the session pool has closed its sessions (beforeApplicationShutdown). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Closes the pooled sockets: gracefully for a moment, then by force. Idempotent. */
  close(): Promise<void> {
    this.closing ??= withDeadline(CLOSE_GRACE_MS, () => this.agent.close(), 'closing upstream sockets').catch(() =>
      this.agent.destroy(),
    );
    return this.closing;
  }
}
