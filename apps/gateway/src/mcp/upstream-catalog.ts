import type { Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamTarget } from '@app/registry';

/** A tool as discovered on an upstream and stored by the registry. */
export interface CatalogTool {
  name: string;
  description?: string | null;
  inputSchema: Record<string, unknown>;
  /** The tool exactly as the upstream described it (title, annotations, outputSchema, _meta...), when stored. */
  definition?: Tool;
}

/** What discovery learnt of an upstream besides its tools; every field absent before the first discovery. */
export interface CatalogFeatures {
  /** The upstream's server capabilities from initialize. */
  capabilities?: ServerCapabilities;
  resources?: Resource[];
  resourceTemplates?: ResourceTemplate[];
  prompts?: Prompt[];
}

export type CatalogUpstream = UpstreamTarget &
  CatalogFeatures & {
    tools: CatalogTool[];
    /**
     * False for an upstream that is enabled but currently unhealthy (listed by `listEnabled`
     * only): its names stay reserved and calls to it answer "unavailable". Absent means true.
     */
    available?: boolean;
  };

/** How long a caller of `listActive` will wait on the catalog's source. */
export interface ListActiveOptions {
  /**
   * Wait for the read this call starts or joins, however long the source takes (its own
   * timeouts bound it), rather than take a copy after a short wait: for a caller that did not
   * find what it looked for in the copy. Within the catalog's freshness the copy still answers.
   */
  waitForRead?: boolean;
}

/**
 * The MCP layer's view of the registry. The application implements it over its gateway store;
 * keeping it a port lets the federation endpoint stay independent of persistence.
 */
export interface UpstreamCatalog {
  /**
   * Enabled and healthy upstreams with their stored tools, in a stable order. A catalog may
   * answer from a copy (then the same array for as long as the copy stands).
   */
  listActive(options?: ListActiveOptions): Promise<CatalogUpstream[]>;
  /**
   * Every enabled upstream in the same order, the unhealthy ones with `available: false`, so
   * the federation can tell "down" from "unknown". Optional: without it, listActive is used.
   */
  listEnabled?(options?: ListActiveOptions): Promise<CatalogUpstream[]>;
  get(id: string): Promise<UpstreamTarget | null>;
  /**
   * The enabled upstream registered under `name` (names are unique), and whether it is active
   * (listed by `listActive`); null when no enabled upstream has that name.
   */
  findByName?(name: string): Promise<{ target: UpstreamTarget; active: boolean } | null>;
  /** Changes whenever this process changed the catalog; lets readers cache without hiding their own writes. */
  revision?(): number;
}

export const UPSTREAM_CATALOG = Symbol('UPSTREAM_CATALOG');
