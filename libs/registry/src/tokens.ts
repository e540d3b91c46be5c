/** Injection token of the HostResolver used to check registered upstream hosts. */
export const UPSTREAM_HOST_RESOLVER = Symbol('UPSTREAM_HOST_RESOLVER');

/** Injection token of the registry database's limits (RegistryDatabaseLimits, defaults filled in). */
export const REGISTRY_DATABASE_LIMITS = Symbol('REGISTRY_DATABASE_LIMITS');
