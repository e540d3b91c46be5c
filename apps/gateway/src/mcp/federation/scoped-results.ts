import type { Result } from '@modelcontextprotocol/sdk/types.js';

/** Turns an upstream's URI into the gateway-scoped one clients can read back through /mcp. */
export type UriMapper = (upstreamUri: string) => string;

/** resources/read: each content's `uri`. */
export function scopeReadResult(result: Result, toGateway: UriMapper): Result {
  const contents = result.contents;
  if (!Array.isArray(contents)) return result;
  return { ...result, contents: contents.map((c: unknown) => withUri(c, toGateway)) };
}

/** tools/call: embedded resources and resource links in `content`. */
export function scopeToolResult<T extends Result>(result: T, toGateway: UriMapper): T {
  const content = result.content;
  if (!Array.isArray(content)) return result;
  return { ...result, content: content.map((block: unknown) => scopeBlock(block, toGateway)) };
}

/** prompts/get: embedded resources and resource links in each message's content. */
export function scopePromptResult(result: Result, toGateway: UriMapper): Result {
  const messages = result.messages;
  if (!Array.isArray(messages)) return result;
  return {
    ...result,
    messages: messages.map((message: unknown) =>
      isRecord(message) ? { ...message, content: scopeBlock(message.content, toGateway) } : message,
    ),
  };
}

function scopeBlock(block: unknown, toGateway: UriMapper): unknown {
  if (!isRecord(block)) return block;
  if (block.type === 'resource_link') return withUri(block, toGateway);
  if (block.type === 'resource') return { ...block, resource: withUri(block.resource, toGateway) };
  return block;
}

function withUri(value: unknown, toGateway: UriMapper): unknown {
  return isRecord(value) && typeof value.uri === 'string' ? { ...value, uri: toGateway(value.uri) } : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
