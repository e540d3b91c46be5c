/** Injection tokens of the classification library. */
export const CLASSIFICATION_STORE = Symbol('CLASSIFICATION_STORE');
export const LEADER_LOCK = Symbol('LEADER_LOCK');
export const SESSION_POOL_SOURCE = Symbol('SESSION_POOL_SOURCE');
export const UPSTREAM_DIRECTORY = Symbol('UPSTREAM_DIRECTORY');
export const CLASSIFICATION_CONFIG = Symbol('CLASSIFICATION_CONFIG');
/** The library's own Redis connections, derived from the caller's client (see redis-connections.ts). */
export const CLASSIFICATION_REDIS = Symbol('CLASSIFICATION_REDIS');
