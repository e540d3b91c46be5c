import type { DiscoveredTool, ToolChanges } from './types';

export interface StoredToolState {
  id: string;
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  /** The stored definition JSON; absent when the caller did not load it. */
  definition?: string | null;
}

export interface ToolPlan extends ToolChanges {
  insert: DiscoveredTool[];
  update: { id: string; tool: DiscoveredTool }[];
  deleteIds: string[];
}

/**
 * What turns the stored tools into the discovered ones. A tool counts as updated when its
 * description, schema or (when discovered with one) whole definition changed (JSON compared
 * with keys in sorted order). A name reported
 * twice keeps its first entry. Names in the result are sorted.
 */
export function planToolChanges(stored: readonly StoredToolState[], discovered: readonly DiscoveredTool[]): ToolPlan {
  const incoming = new Map<string, DiscoveredTool>();
  for (const tool of discovered) if (!incoming.has(tool.name)) incoming.set(tool.name, tool);
  const current = new Map(stored.map((tool) => [tool.name, tool]));

  const plan: ToolPlan = { added: [], updated: [], removed: [], insert: [], update: [], deleteIds: [] };
  for (const [name, tool] of incoming) {
    const existing = current.get(name);
    if (existing === undefined) {
      plan.added.push(name);
      plan.insert.push(tool);
    } else if (
      (existing.description ?? null) !== (tool.description ?? null) ||
      stableJson(existing.inputSchema) !== stableJson(tool.inputSchema) ||
      definitionChanged(existing.definition, tool.definition)
    ) {
      plan.updated.push(name);
      plan.update.push({ id: existing.id, tool });
    }
  }
  for (const [name, tool] of current) {
    if (!incoming.has(name)) {
      plan.removed.push(name);
      plan.deleteIds.push(tool.id);
    }
  }
  plan.added.sort();
  plan.updated.sort();
  plan.removed.sort();
  return plan;
}

/** JSON with object keys sorted, so equal schemas compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function definitionChanged(
  stored: string | null | undefined,
  discovered: Record<string, unknown> | undefined,
): boolean {
  if (discovered === undefined || stored === undefined) return false;
  if (stored === null) return true;
  try {
    return stableJson(JSON.parse(stored)) !== stableJson(discovered);
  } catch {
    return true;
  }
}
