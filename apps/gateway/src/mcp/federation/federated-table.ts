import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { FederatedNames, upstreamSlugs, upstreamSlug } from '../tool-names';
import type { CatalogTool, CatalogUpstream } from '../upstream-catalog';
import { gatewayUri, parseGatewayUri } from './gateway-uri';

/** A named item (tool or prompt) under its federated name, with the upstream that owns it. */
export interface FederatedItem<T> {
  name: string;
  upstream: CatalogUpstream;
  item: T;
}

/** What a gateway-scoped URI points at. */
export interface ResolvedUri {
  upstream: CatalogUpstream;
  upstreamUri: string;
}

/** The lists a client can be told have changed. */
export type ListKind = 'tools' | 'resources' | 'prompts';

/**
 * Everything /mcp exposes, built from one catalog answer: federated tool and prompt names,
 * gateway-scoped resource URIs, and the way back from each to its upstream. Upstreams that are
 * enabled but down keep their names (resolving to them answers "unavailable") and list nothing.
 */
export class FederatedTable {
  private readonly toolsByName = new Map<string, FederatedItem<CatalogTool>>();
  private readonly promptsByName = new Map<string, FederatedItem<Prompt>>();
  private readonly upstreamsBySlug = new Map<string, CatalogUpstream>();
  private readonly slugsById = new Map<string, string>();
  private readonly signatures = new Map<ListKind, string>();
  readonly upstreams: readonly CatalogUpstream[];

  private constructor(upstreams: readonly CatalogUpstream[]) {
    this.upstreams = upstreams;
  }

  static build(upstreams: readonly CatalogUpstream[]): FederatedTable {
    const table = new FederatedTable(upstreams);
    const slugs = upstreamSlugs(upstreams);
    const toolNames = new FederatedNames();
    const promptNames = new FederatedNames();
    for (const upstream of upstreams) {
      const slug = slugs.get(upstream.id) ?? upstreamSlug(upstream.name);
      table.upstreamsBySlug.set(slug, upstream);
      table.slugsById.set(upstream.id, slug);
      for (const tool of upstream.tools) {
        const name = toolNames.allocate(slug, tool.name);
        table.toolsByName.set(name, { name, upstream, item: tool });
      }
      for (const prompt of upstream.prompts ?? []) {
        const name = promptNames.allocate(slug, prompt.name);
        table.promptsByName.set(name, { name, upstream, item: prompt });
      }
    }
    return table;
  }

  /** The active upstreams (not known to be down). */
  available(): CatalogUpstream[] {
    return this.upstreams.filter(isAvailable);
  }

  /**
   * Tools as clients see them: every field the upstream gave, under the federated name.
   * `hidden` leaves out the tools of some upstreams (a gateway's own, asked back through a loop).
   */
  tools(hidden?: (upstreamId: string) => boolean): Tool[] {
    return [...this.toolsByName.values()]
      .filter((t) => isAvailable(t.upstream) && !hidden?.(t.upstream.id))
      .map(exposedTool);
  }

  prompts(): Prompt[] {
    return [...this.promptsByName.values()]
      .filter((p) => isAvailable(p.upstream))
      .map(({ name, item }) => ({ ...item, name }));
  }

  resources(): Resource[] {
    return this.available().flatMap((u) =>
      (u.resources ?? []).map((r) => ({ ...r, uri: this.toGatewayUri(u, r.uri) })),
    );
  }

  resourceTemplates(): ResourceTemplate[] {
    return this.available().flatMap((u) =>
      (u.resourceTemplates ?? []).map((t) => ({ ...t, uriTemplate: this.toGatewayUri(u, t.uriTemplate) })),
    );
  }

  resolveTool(name: string): FederatedItem<CatalogTool> | undefined {
    return this.toolsByName.get(name);
  }

  resolvePrompt(name: string): FederatedItem<Prompt> | undefined {
    return this.promptsByName.get(name);
  }

  /** The upstream and original URI (or template) behind a gateway-scoped URI. */
  resolveUri(uri: string): ResolvedUri | undefined {
    const parsed = parseGatewayUri(uri);
    const upstream = parsed && this.upstreamsBySlug.get(parsed.slug);
    return parsed && upstream ? { upstream, upstreamUri: parsed.upstreamUri } : undefined;
  }

  toGatewayUri(upstream: CatalogUpstream, upstreamUri: string): string {
    return gatewayUri(this.slugsById.get(upstream.id) ?? upstreamSlug(upstream.name), upstreamUri);
  }

  /** A value that differs whenever the list of this kind does (for list_changed). */
  signature(kind: ListKind): string {
    let signature = this.signatures.get(kind);
    if (signature === undefined) {
      const list =
        kind === 'tools'
          ? this.tools()
          : kind === 'prompts'
            ? this.prompts()
            : [...this.resources(), ...this.resourceTemplates()];
      signature = JSON.stringify(list);
      this.signatures.set(kind, signature);
    }
    return signature;
  }
}

export function isAvailable(upstream: CatalogUpstream): boolean {
  return upstream.available !== false;
}

function exposedTool({ name, item }: FederatedItem<CatalogTool>): Tool {
  const base: Tool = item.definition ?? {
    name: item.name,
    ...(item.description ? { description: item.description } : {}),
    inputSchema: { type: 'object' },
  };
  const inputSchema = item.definition?.inputSchema ?? item.inputSchema;
  // MCP requires an object schema; an upstream that omitted `type` still gets a valid listing.
  return { ...base, name, inputSchema: { ...inputSchema, type: 'object' } };
}
