import type { UpstreamTarget } from '@app/registry';

/** A tool as discovered on an upstream and stored by the registry. */
export interface CatalogTool {
  name: string;
  description?: string | null;
  inputSchema: Record<string, unknown>;
}

export type CatalogUpstream = UpstreamTarget & { tools: CatalogTool[] };

/**
 * The MCP layer's view of the registry. The application implements it over its gateway store;
 * keeping it a port lets the federation endpoint stay independent of persistence.
 */
export interface UpstreamCatalog {
  /** Enabled and healthy upstreams with their stored tools, in a stable order. */
  listActive(): Promise<CatalogUpstream[]>;
  get(id: string): Promise<UpstreamTarget | null>;
  /** Changes whenever this process changed the catalog; lets readers cache without hiding their own writes. */
  revision?(): number;
}

export const UPSTREAM_CATALOG = Symbol('UPSTREAM_CATALOG');
