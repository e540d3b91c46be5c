/** Injection token of the HostResolver used to check registered upstream hosts. */
export const UPSTREAM_HOST_RESOLVER = Symbol('UPSTREAM_HOST_RESOLVER');
