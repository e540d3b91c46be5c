/**
 * One MCP session of the conformance server: a low-level SDK `Server` answering every method the
 * conformance suite's server scenarios use. Low-level, so tool input schemas go out exactly as
 * written (JSON Schema 2020-12 keywords included).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type LoggingLevel,
} from '@modelcontextprotocol/sdk/types.js';
import {
  completeConformance,
  CONFORMANCE_PROMPTS,
  CONFORMANCE_RESOURCE_TEMPLATES,
  CONFORMANCE_RESOURCES,
  getConformancePrompt,
  isKnownResource,
  readConformanceResource,
} from './conformance-catalog';
import { callConformanceTool, CONFORMANCE_TOOLS, type ToolExtra } from './conformance-tools';

export const CONFORMANCE_SERVER_INFO = { name: 'gateway-conformance-server', version: '1.0.0' } as const;
const LOGGER = 'conformance-server';

const SEVERITY: Readonly<Record<LoggingLevel, number>> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

export interface ConformanceSession {
  readonly server: Server;
  /** Tells the session's client that `uri` changed, if it subscribed to it. */
  resourceUpdated(uri: string): Promise<void>;
}

export function createConformanceSession(): ConformanceSession {
  const server = new Server(CONFORMANCE_SERVER_INFO, {
    capabilities: {
      tools: {},
      resources: { subscribe: true },
      prompts: {},
      logging: {},
      completions: {},
    },
    instructions: 'Test server for the MCP conformance suite: every tool, resource and prompt is named by a scenario.',
  });
  const subscriptions = new Set<string>();
  let minimumLevel: LoggingLevel = 'debug';

  const log = async (extra: ToolExtra, level: LoggingLevel, data: string): Promise<void> => {
    if (SEVERITY[level] < SEVERITY[minimumLevel]) return;
    // Sent on the call's own stream, so the message arrives while the client awaits the result.
    await extra.sendNotification({ method: 'notifications/message', params: { level, logger: LOGGER, data } });
  };

  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimumLevel = request.params.level;
    return {};
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...CONFORMANCE_TOOLS] }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callConformanceTool(request.params.name, request.params.arguments ?? {}, {
      extra,
      log: (level, data) => log(extra, level, data),
    }),
  );

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [...CONFORMANCE_RESOURCES] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [...CONFORMANCE_RESOURCE_TEMPLATES],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => readConformanceResource(request.params.uri));
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    if (!isKnownResource(request.params.uri)) {
      throw new McpError(ErrorCode.InvalidParams, `Cannot subscribe to unknown resource ${request.params.uri}`);
    }
    subscriptions.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [...CONFORMANCE_PROMPTS] }));
  server.setRequestHandler(GetPromptRequestSchema, (request) =>
    getConformancePrompt(request.params.name, request.params.arguments),
  );
  server.setRequestHandler(CompleteRequestSchema, (request) => completeConformance(request.params));

  return {
    server,
    resourceUpdated: async (uri) => {
      if (subscriptions.has(uri)) await server.sendResourceUpdated({ uri });
    },
  };
}
