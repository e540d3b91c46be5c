import type { UpstreamRef } from './types';

export const UNPINNED = 0;
export const PINNED_HOT = 1;
export const PINNED_COLD = 2;

export interface ServerIndex {
  /** Distinct canonical URLs in gateway order. */
  servers: string[];
  indexByUrl: Map<string, number>;
  indexByGatewayId: Map<string, number>;
  /**
   * The same as a prototype-less dictionary: a third faster to look up at 100k ids, which is what
   * classifying from usage summaries does once per reported upstream.
   */
  serverOfId: Record<string, number>;
  /** Per server: UNPINNED, PINNED_HOT or PINNED_COLD; null when no gateway is pinned. */
  pins: Uint8Array | null;
}

/** Distinct servers in gateway order (several gateways may share one upstream URL). */
export function indexServers(gateways: readonly UpstreamRef[]): ServerIndex {
  let index = buildIndex(gateways);
  if (index.indexByGatewayId.size !== gateways.length) {
    // A repeated id keeps its first position and its last URL, as the seed's dict does; an earlier
    // URL of that id may then be no server at all, so index the dict's view instead.
    const byId = new Map<string, UpstreamRef>();
    for (const gateway of gateways) byId.set(gateway.id, { ...gateway, pin: gateway.pin ?? byId.get(gateway.id)?.pin });
    index = buildIndex([...byId.values()]);
  }
  return index;
}

function buildIndex(gateways: readonly UpstreamRef[]): ServerIndex {
  const servers: string[] = [];
  const indexByUrl = new Map<string, number>();
  const serverOf = new Int32Array(gateways.length);
  for (let g = 0; g < gateways.length; g++) {
    const url = gateways[g].url;
    let index = indexByUrl.get(url);
    if (index === undefined) {
      index = servers.length;
      indexByUrl.set(url, index);
      servers.push(url);
    }
    serverOf[g] = index;
  }
  // One map per pass keeps each loop's working set small.
  const indexByGatewayId = new Map<string, number>();
  for (let g = 0; g < gateways.length; g++) indexByGatewayId.set(gateways[g].id, serverOf[g]);
  const serverOfId = Object.create(null) as Record<string, number>;
  for (const [id, server] of indexByGatewayId) serverOfId[id] = server;
  return { servers, indexByUrl, indexByGatewayId, serverOfId, pins: serverPins(gateways, serverOf, servers.length) };
}

/** A server shared by several gateways is pinned hot when any of them is, else cold when any is. */
function serverPins(gateways: readonly UpstreamRef[], serverOf: Int32Array, serverCount: number): Uint8Array | null {
  let pins: Uint8Array | null = null;
  for (let g = 0; g < gateways.length; g++) {
    const pin = gateways[g].pin;
    if (pin !== 'hot' && pin !== 'cold') continue;
    pins ??= new Uint8Array(serverCount);
    const server = serverOf[g];
    if (pin === 'hot') pins[server] = PINNED_HOT;
    else if (pins[server] === UNPINNED) pins[server] = PINNED_COLD;
  }
  return pins;
}
