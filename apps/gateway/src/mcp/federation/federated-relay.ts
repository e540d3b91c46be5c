import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRelay } from '../upstream-relay';

/** The upstream a relay serves, as the client should see it. */
export interface RelayedUpstream {
  name: string;
  /** Its URI in gateway scope (read at the time of each notification). */
  toGatewayUri(upstreamUri: string): string;
  /** Called when the upstream says one of its lists changed (the stored catalog is then stale). */
  listChanged?(): void;
}

const LIST_CHANGED = new Set([
  'notifications/tools/list_changed',
  'notifications/resources/list_changed',
  'notifications/prompts/list_changed',
]);

/**
 * An upstream session's traffic to the client of a federated session: requests (sampling,
 * elicitation, roots) go as they are; notifications are put in federation terms:
 * resources/updated carries the gateway-scoped URI, a list_changed becomes the federated one
 * (the same method: the client re-lists the federated list) and is reported through
 * `listChanged` (discovery then refreshes the stored lists), log messages name their upstream.
 * A notification the client's session cannot take (a capability it was not offered) is dropped.
 */
export function federatedRelay(base: UpstreamRelay, upstream: RelayedUpstream): UpstreamRelay {
  return {
    get capabilities() {
      return base.capabilities;
    },
    request: (request, options) => base.request(request, options),
    notify: async (notification) => {
      if (LIST_CHANGED.has(notification.method)) upstream.listChanged?.();
      await base.notify(federatedNotification(notification, upstream)).catch(() => undefined);
    },
  };
}

export function federatedNotification(notification: Notification, upstream: RelayedUpstream): Notification {
  const params = notification.params;
  switch (notification.method) {
    case 'notifications/resources/updated':
      return typeof params?.uri === 'string'
        ? { ...notification, params: { ...params, uri: upstream.toGatewayUri(params.uri) } }
        : notification;
    case 'notifications/message': {
      const logger = typeof params?.logger === 'string' ? `${upstream.name}/${params.logger}` : upstream.name;
      return { ...notification, params: { ...params, logger } };
    }
    default:
      return notification;
  }
}
