import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { FederatedTable } from './federated-table';

/**
 * Exactly what the federation can honour: tools always; resources, prompts, completions and
 * logging when at least one active upstream offers them; `listChanged` only where the gateway
 * can send it (a stateful session); resource `subscribe` only there too, and only when an
 * active upstream supports it (updates travel on the client session's upstream sessions).
 */
export function federatedCapabilities(table: FederatedTable | undefined, stateful: boolean): ServerCapabilities {
  const listChanged = stateful ? { listChanged: true } : {};
  const capabilities: ServerCapabilities = { tools: { ...listChanged } };
  const offered = (table?.available() ?? []).map((u) => u.capabilities ?? {});
  if (offered.some((c) => c.resources)) {
    const subscribe = stateful && offered.some((c) => c.resources?.subscribe === true);
    capabilities.resources = { ...listChanged, ...(subscribe ? { subscribe: true } : {}) };
  }
  if (offered.some((c) => c.prompts)) capabilities.prompts = { ...listChanged };
  if (offered.some((c) => c.completions)) capabilities.completions = {};
  if (offered.some((c) => c.logging)) capabilities.logging = {};
  return capabilities;
}
