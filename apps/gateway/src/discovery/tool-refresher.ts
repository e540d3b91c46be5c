/** Injection token of the service that runs one tool discovery (`tools/list`) for a gateway. */
export const TOOL_REFRESHER = Symbol('TOOL_REFRESHER');

/** Tool names that changed in one refresh, and how many tools the gateway has now. */
export interface ToolRefreshResult {
  added: string[];
  updated: string[];
  removed: string[];
  total: number;
}

/** Fetches a gateway's tools from the upstream now and stores them (a manual refresh). */
export interface ToolRefresher {
  refresh(gatewayId: string): Promise<ToolRefreshResult>;
}
