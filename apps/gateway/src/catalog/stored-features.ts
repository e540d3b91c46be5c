import {
  PromptSchema,
  ResourceSchema,
  ResourceTemplateSchema,
  ServerCapabilitiesSchema,
  ToolSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { CatalogFeatures } from '../mcp/upstream-catalog';

/** Reports a stored value that did not validate (which upstream, which field). */
export type StoredValueProblem = (field: string) => void;

interface SafeParser {
  safeParse(value: unknown): { success: boolean };
}

/**
 * The stored features JSON of an upstream, checked field by field: a field (or list item) that
 * does not validate is left out and reported, the rest is served. Values that do validate are
 * kept as stored, unknown keys included, so clients see what the upstream sent.
 */
export function parseStoredFeatures(json: string | null, problem: StoredValueProblem): CatalogFeatures {
  if (json === null) return {};
  const raw = parseJson(json);
  if (!isRecord(raw)) {
    problem('mcpFeatures');
    return {};
  }
  const features: CatalogFeatures = {};
  if (raw.capabilities !== undefined) {
    if (isRecord(raw.capabilities) && ServerCapabilitiesSchema.safeParse(raw.capabilities).success) {
      features.capabilities = raw.capabilities;
    } else {
      problem('capabilities');
    }
  }
  const resources = validItems(raw.resources, ResourceSchema, 'resources', problem);
  if (resources) features.resources = resources as CatalogFeatures['resources'];
  const templates = validItems(raw.resourceTemplates, ResourceTemplateSchema, 'resourceTemplates', problem);
  if (templates) features.resourceTemplates = templates as CatalogFeatures['resourceTemplates'];
  const prompts = validItems(raw.prompts, PromptSchema, 'prompts', problem);
  if (prompts) features.prompts = prompts as CatalogFeatures['prompts'];
  return features;
}

/** A stored tool definition, or undefined (reported) when it is not a valid MCP tool named `name`. */
export function parseStoredTool(json: string | null, name: string, problem: StoredValueProblem): Tool | undefined {
  if (json === null) return undefined;
  const raw = parseJson(json);
  if (isRecord(raw) && raw.name === name && ToolSchema.safeParse(raw).success) return raw as Tool;
  problem(`tool ${name}`);
  return undefined;
}

function validItems(
  value: unknown,
  schema: SafeParser,
  field: string,
  problem: StoredValueProblem,
): Record<string, unknown>[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problem(field);
    return undefined;
  }
  const items: Record<string, unknown>[] = [];
  for (const item of value as unknown[]) {
    if (isRecord(item) && schema.safeParse(item).success) items.push(item);
    else problem(`${field} item`);
  }
  return items;
}

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
