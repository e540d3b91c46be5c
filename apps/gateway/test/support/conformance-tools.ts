/**
 * The tools the conformance suite's server scenarios call by name (`tools-call-*`, `elicitation-*`,
 * `json-schema-2020-12`, `server-sse-polling`), each answering as its scenario expects.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
  type ElicitRequest,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { CONFORMANCE_AUDIO_WAV, CONFORMANCE_IMAGE_PNG } from './conformance-media';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a tool may ask of the session it runs in. */
export interface ToolContext {
  extra: ToolExtra;
  /** Sends a log message on the call's own stream, unless the client's level filters it out. */
  log(level: LoggingLevel, data: string): Promise<void>;
}

interface ConformanceTool {
  definition: Tool;
  run(args: Record<string, unknown>, context: ToolContext): Promise<CallToolResult>;
}

const NO_ARGUMENTS: Tool['inputSchema'] = { type: 'object', properties: {} };
const STEP_DELAY_MS = 50;
/** How long test_reconnection keeps working after closing its stream, so the client has to come back. */
const RECONNECTION_DELAY_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

function stringArgument(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string') {
    throw new McpError(ErrorCode.InvalidParams, `Argument "${name}" must be a string`);
  }
  return value;
}

function simple(name: string, description: string, result: CallToolResult): ConformanceTool {
  return { definition: { name, description, inputSchema: NO_ARGUMENTS }, run: async () => result };
}

/** Asks the client through elicitation/create on the call's stream and describes the answer. */
async function elicit(context: ToolContext, params: ElicitRequest['params']): Promise<CallToolResult> {
  const answer = await context.extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema);
  return text(`User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
}

const TOOLS: readonly ConformanceTool[] = [
  simple('test_simple_text', 'Answers with one text item', text('This is a simple text response for testing.')),
  simple('test_image_content', 'Answers with a PNG image', {
    content: [{ type: 'image', data: CONFORMANCE_IMAGE_PNG, mimeType: 'image/png' }],
  }),
  simple('test_audio_content', 'Answers with a WAV clip', {
    content: [{ type: 'audio', data: CONFORMANCE_AUDIO_WAV, mimeType: 'audio/wav' }],
  }),
  simple('test_embedded_resource', 'Answers with an embedded text resource', {
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }),
  simple('test_multiple_content_types', 'Answers with text, an image and an embedded resource', {
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: CONFORMANCE_IMAGE_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }),
  simple('test_error_handling', 'Answers with a tool error', {
    isError: true,
    content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
  }),
  {
    definition: {
      name: 'test_tool_with_logging',
      description: 'Logs three messages while it runs',
      inputSchema: NO_ARGUMENTS,
    },
    run: async (_args, context) => {
      await context.log('info', 'Tool execution started');
      await sleep(STEP_DELAY_MS);
      await context.log('info', 'Tool processing data');
      await sleep(STEP_DELAY_MS);
      await context.log('info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  },
  {
    definition: {
      name: 'test_tool_with_progress',
      description: 'Reports progress 0, 50 and 100 of 100 under the caller’s progress token',
      inputSchema: NO_ARGUMENTS,
    },
    run: async (_args, { extra }) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(STEP_DELAY_MS);
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
          });
        }
      }
      return text(`Progress reported under token ${String(progressToken ?? 'none')}`);
    },
  },
  {
    definition: {
      name: 'test_reconnection',
      description: 'Closes its SSE stream mid-call and answers after the client has reconnected',
      inputSchema: NO_ARGUMENTS,
    },
    run: async (_args, { extra }) => {
      // Only offered on resumable streams (the transport has an event store); the answer is then replayed.
      extra.closeSSEStream?.();
      await sleep(RECONNECTION_DELAY_MS);
      return text('Reconnection test completed: the answer arrived after the stream was closed.');
    },
  },
  {
    definition: {
      name: 'test_sampling',
      description: 'Asks the client for an LLM completion of the prompt',
      inputSchema: {
        type: 'object',
        properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
        required: ['prompt'],
      },
    },
    run: async (args, { extra }) => {
      const prompt = stringArgument(args, 'prompt');
      const answer = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        },
        CreateMessageResultSchema,
      );
      const content = Array.isArray(answer.content) ? answer.content[0] : answer.content;
      return text(`LLM response: ${content?.type === 'text' ? content.text : `(${String(content?.type)})`}`);
    },
  },
  {
    definition: {
      name: 'test_elicitation',
      description: 'Asks the client for a username and an email address',
      inputSchema: {
        type: 'object',
        properties: { message: { type: 'string', description: 'The message to show the user' } },
        required: ['message'],
      },
    },
    run: (args, context) =>
      elicit(context, {
        message: stringArgument(args, 'message'),
        requestedSchema: {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
      }),
  },
  {
    definition: {
      name: 'test_elicitation_sep1034_defaults',
      description: 'Elicits a form whose fields of every primitive type carry defaults (SEP-1034)',
      inputSchema: NO_ARGUMENTS,
    },
    run: (_args, context) =>
      elicit(context, {
        message: 'Please review and update the form fields with defaults',
        requestedSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'User name', default: 'John Doe' },
            age: { type: 'integer', description: 'User age', default: 30 },
            score: { type: 'number', description: 'User score', default: 95.5 },
            status: {
              type: 'string',
              description: 'User status',
              enum: ['active', 'inactive', 'pending'],
              default: 'active',
            },
            verified: { type: 'boolean', description: 'Verification status', default: true },
          },
          required: [],
        },
      }),
  },
  {
    definition: {
      name: 'test_elicitation_sep1330_enums',
      description: 'Elicits a form with every enum variant of SEP-1330',
      inputSchema: NO_ARGUMENTS,
    },
    run: (_args, context) =>
      elicit(context, {
        message: 'Please select options from the enum fields',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: { type: 'string', description: 'Pick one', enum: ['option1', 'option2', 'option3'] },
            titledSingle: {
              type: 'string',
              description: 'Pick one (titled)',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              description: 'Pick one (legacy titles)',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: {
              type: 'array',
              description: 'Pick several',
              minItems: 1,
              maxItems: 3,
              items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            },
            titledMulti: {
              type: 'array',
              description: 'Pick several (titled)',
              minItems: 1,
              maxItems: 3,
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
          required: [],
        },
      }),
  },
  {
    definition: {
      name: 'json_schema_2020_12_tool',
      description: 'Takes arguments described with JSON Schema 2020-12 ($schema, $defs, additionalProperties)',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
        },
        properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
        additionalProperties: false,
      },
    },
    run: async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  },
];

const BY_NAME = new Map(TOOLS.map((tool) => [tool.definition.name, tool]));

export const CONFORMANCE_TOOLS: readonly Tool[] = TOOLS.map((tool) => tool.definition);

export async function callConformanceTool(
  name: string,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<CallToolResult> {
  const tool = BY_NAME.get(name);
  if (!tool) {
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  }
  return tool.run(args, context);
}
