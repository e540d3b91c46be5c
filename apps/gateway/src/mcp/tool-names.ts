import { createHash } from 'node:crypto';
import type { CatalogTool, CatalogUpstream } from './upstream-catalog';

/**
 * Federated tool names: `<upstream slug>__<tool>`.
 *
 * - The slug is the upstream's name with every character outside `[A-Za-z0-9_.-]` (what MCP tool
 *   names allow) replaced by `_`, runs of `_` collapsed and trimmed at both ends, at most
 *   SLUG_MAX_LENGTH characters. It therefore never contains the separator, and the first `__` in
 *   a federated name always ends the slug.
 * - When two upstreams share a slug, the later one in catalog order gets `-<8 hex of its id's
 *   SHA-256>` appended, so an upstream's names do not depend on upstreams registered after it.
 * - The tool part gets the same character replacement. If that makes two tools of one upstream
 *   collide, or the whole name would exceed 128 characters, it is cut and suffixed with
 *   `-<8 hex of the original tool name's SHA-256>`.
 *
 * Names are reversed through the table built from the same catalog, so every exposed name maps
 * back to exactly one upstream and its original tool name, whatever the sanitiser changed.
 */
export const TOOL_NAME_SEPARATOR = '__';
export const MAX_TOOL_NAME_LENGTH = 128;
const SLUG_MAX_LENGTH = 48;
const HASH_LENGTH = 8;
const DISALLOWED = /[^A-Za-z0-9_.-]/g;

export interface FederatedTool {
  /** The name clients see. */
  name: string;
  upstream: CatalogUpstream;
  /** The tool as the upstream names and describes it. */
  tool: CatalogTool;
}

/** Replaces characters MCP tool names do not allow; never returns an empty string. */
export function sanitizeNamePart(raw: string): string {
  const cleaned = raw.replace(DISALLOWED, '_');
  return cleaned.length > 0 ? cleaned : '_';
}

/** The prefix of an upstream's tools, before any disambiguation. */
export function upstreamSlug(name: string): string {
  const slug = sanitizeNamePart(name)
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/_+$/, '');
  return slug.length > 0 ? slug : 'upstream';
}

/** The exposed tools of a set of upstreams and the way back from a name to its upstream. */
export class FederatedToolTable {
  private readonly byName = new Map<string, FederatedTool>();

  private constructor() {}

  static build(upstreams: readonly CatalogUpstream[]): FederatedToolTable {
    const table = new FederatedToolTable();
    const slugs = upstreamSlugs(upstreams);
    const names = new FederatedNames();
    for (const upstream of upstreams) {
      const slug = slugs.get(upstream.id) ?? upstreamSlug(upstream.name);
      for (const tool of upstream.tools) {
        const name = names.allocate(slug, tool.name);
        table.byName.set(name, { name, upstream, tool });
      }
    }
    return table;
  }

  tools(): FederatedTool[] {
    return [...this.byName.values()];
  }

  resolve(name: string): FederatedTool | undefined {
    return this.byName.get(name);
  }
}

/** Each upstream's slug, unique among `upstreams` (in their order: a later one gets the suffix). */
export function upstreamSlugs(upstreams: readonly CatalogUpstream[]): Map<string, string> {
  const slugs = new Map<string, string>();
  const taken = new Set<string>();
  for (const upstream of upstreams) {
    const slug = uniqueSlug(upstream, taken);
    taken.add(slug);
    slugs.set(upstream.id, slug);
  }
  return slugs;
}

/** One namespace of federated names (tools, or prompts): `<slug>__<name>`, unique and at most 128 characters. */
export class FederatedNames {
  private readonly taken = new Set<string>();

  allocate(slug: string, originalName: string): string {
    const name = this.uniqueName(slug, originalName);
    this.taken.add(name);
    return name;
  }

  private uniqueName(slug: string, toolName: string): string {
    const prefix = `${slug}${TOOL_NAME_SEPARATOR}`;
    const plain = `${prefix}${sanitizeNamePart(toolName)}`;
    if (plain.length <= MAX_TOOL_NAME_LENGTH && !this.taken.has(plain)) {
      return plain;
    }
    const suffix = `-${shortHash(toolName)}`;
    const room = MAX_TOOL_NAME_LENGTH - prefix.length - suffix.length;
    let candidate = `${prefix}${sanitizeNamePart(toolName).slice(0, room)}${suffix}`;
    for (let n = 2; this.taken.has(candidate); n += 1) {
      candidate = `${prefix}${sanitizeNamePart(toolName).slice(0, room - String(n).length)}${suffix}${n}`;
    }
    return candidate;
  }
}

function uniqueSlug(upstream: CatalogUpstream, taken: ReadonlySet<string>): string {
  const base = upstreamSlug(upstream.name);
  if (!taken.has(base)) {
    return base;
  }
  let candidate = `${base}-${shortHash(upstream.id)}`;
  for (let n = 2; taken.has(candidate); n += 1) {
    candidate = `${base}-${shortHash(upstream.id)}${n}`;
  }
  return candidate;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}
