/**
 * The resources, resource template, prompts and completions the conformance suite's server
 * scenarios read by name (`resources-*`, `prompts-*`, `completion-complete`).
 */
import {
  ErrorCode,
  McpError,
  type CompleteRequest,
  type CompleteResult,
  type GetPromptResult,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import { CONFORMANCE_IMAGE_PNG } from './conformance-media';

/** JSON-RPC error code for an unknown resource URI (MCP specification, resources). */
const RESOURCE_NOT_FOUND = -32002;

export const WATCHED_RESOURCE_URI = 'test://watched-resource';
const TEMPLATE_URI = 'test://template/{id}/data';
const TEMPLATE_MATCH = /^test:\/\/template\/([^/]+)\/data$/;

export const CONFORMANCE_RESOURCES: readonly Resource[] = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    title: 'Static text',
    description: 'A text resource that never changes',
    mimeType: 'text/plain',
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    title: 'Static binary',
    description: 'A PNG image',
    mimeType: 'image/png',
  },
  {
    uri: WATCHED_RESOURCE_URI,
    name: 'watched-resource',
    title: 'Watched resource',
    description: 'A resource clients may subscribe to',
    mimeType: 'text/plain',
  },
];

export const CONFORMANCE_RESOURCE_TEMPLATES: readonly ResourceTemplate[] = [
  {
    uriTemplate: TEMPLATE_URI,
    name: 'template',
    title: 'Data by id',
    description: 'JSON data for the id in the URI',
    mimeType: 'application/json',
  },
];

export function readConformanceResource(uri: string): ReadResourceResult {
  switch (uri) {
    case 'test://static-text':
      return { contents: [{ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] };
    case 'test://static-binary':
      return { contents: [{ uri, mimeType: 'image/png', blob: CONFORMANCE_IMAGE_PNG }] };
    case WATCHED_RESOURCE_URI:
      return { contents: [{ uri, mimeType: 'text/plain', text: 'Watched resource content' }] };
  }
  const id = TEMPLATE_MATCH.exec(uri)?.[1];
  if (id !== undefined) {
    const value = decodeURIComponent(id);
    return {
      contents: [
        {
          uri,
          mimeType: 'application/json',
          text: JSON.stringify({ id: value, templateTest: true, data: `Data for ID: ${value}` }),
        },
      ],
    };
  }
  throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
}

export function isKnownResource(uri: string): boolean {
  return CONFORMANCE_RESOURCES.some((resource) => resource.uri === uri) || TEMPLATE_MATCH.test(uri);
}

export const CONFORMANCE_PROMPTS: readonly Prompt[] = [
  { name: 'test_simple_prompt', title: 'Simple prompt', description: 'A prompt without arguments' },
  {
    name: 'test_prompt_with_arguments',
    title: 'Prompt with arguments',
    description: 'A prompt that quotes its two arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
  },
  {
    name: 'test_prompt_with_embedded_resource',
    title: 'Prompt with an embedded resource',
    description: 'A prompt that embeds the resource it is given',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  },
  { name: 'test_prompt_with_image', title: 'Prompt with an image', description: 'A prompt that shows an image' },
];

function requiredArgument(args: Record<string, string>, prompt: string, name: string): string {
  const value = args[name];
  if (value === undefined) {
    throw new McpError(ErrorCode.InvalidParams, `Prompt ${prompt} needs the argument "${name}"`);
  }
  return value;
}

export function getConformancePrompt(name: string, args: Record<string, string> = {}): GetPromptResult {
  switch (name) {
    case 'test_simple_prompt':
      return { messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] };
    case 'test_prompt_with_arguments': {
      const arg1 = requiredArgument(args, name, 'arg1');
      const arg2 = requiredArgument(args, name, 'arg2');
      return {
        messages: [
          { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
        ],
      };
    }
    case 'test_prompt_with_embedded_resource': {
      const uri = requiredArgument(args, name, 'resourceUri');
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: { uri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
            },
          },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      };
    }
    case 'test_prompt_with_image':
      return {
        messages: [
          { role: 'user', content: { type: 'image', data: CONFORMANCE_IMAGE_PNG, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ],
      };
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
}

/** Candidate values by `<ref>#<argument>`; a completion answers those that start with the typed value. */
const CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  'prompt:test_prompt_with_arguments#arg1': ['paris', 'park', 'party', 'test', 'testing'],
  'prompt:test_prompt_with_arguments#arg2': ['alpha', 'beta', 'test'],
  'prompt:test_prompt_with_embedded_resource#resourceUri': ['test://static-text', 'test://static-binary'],
  [`resource:${TEMPLATE_URI}#id`]: ['1', '2', '3', '123'],
};

export function completeConformance(params: CompleteRequest['params']): CompleteResult {
  const ref = params.ref.type === 'ref/prompt' ? `prompt:${params.ref.name}` : `resource:${params.ref.uri}`;
  const typed = params.argument.value.toLowerCase();
  const values = (CANDIDATES[`${ref}#${params.argument.name}`] ?? []).filter((value) =>
    value.toLowerCase().startsWith(typed),
  );
  return { completion: { values: [...values], total: values.length, hasMore: false } };
}
