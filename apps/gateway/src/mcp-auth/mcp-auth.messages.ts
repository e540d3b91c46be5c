/** Every message of client authentication and Host/Origin checks: one tone, asserted through these factories. */
export const mcpAuthMessages = {
  // Start-up configuration (never quoting a token or secret).
  invalidSettings: (problems: readonly string[]) =>
    `Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
  emptyTokenList: () => 'MCP_AUTH_TOKENS: no token given (unset it, or list principal=token pairs)',
  emptyEntry: (index: number) => `MCP_AUTH_TOKENS: entry ${index} is empty`,
  emptyToken: (index: number) => `MCP_AUTH_TOKENS: entry ${index} has an empty token`,
  emptyPrincipal: (index: number) => `MCP_AUTH_TOKENS: entry ${index} has an empty principal before '='`,
  badPrincipal: (index: number, problem: string) => `MCP_AUTH_TOKENS: entry ${index} principal ${problem}`,
  shortToken: (index: number, min: number) =>
    `MCP_AUTH_TOKENS: entry ${index} token must be at least ${min} characters (a bare token containing '=' needs a principal: name=token)`,
  badToken: (index: number) =>
    `MCP_AUTH_TOKENS: entry ${index} token must not contain whitespace or control characters`,
  duplicatePrincipal: (principal: string) => `MCP_AUTH_TOKENS: principal ${principal} is listed more than once`,
  duplicateToken: (index: number) => `MCP_AUTH_TOKENS: entry ${index} repeats the token of an earlier entry`,
  jwtClaimWithoutKey: (name: string) => `${name}: needs MCP_JWT_SECRET or MCP_JWKS_URL`,
  jwksNotHttp: () => 'MCP_JWKS_URL: expected an http:// or https:// URL',
  emptyListEntry: (variable: string, index: number) => `${variable}: entry ${index} is empty`,
  badHostEntry: (variable: string, entry: string) =>
    `${variable}: ${entry} is not a host name (give names or addresses without scheme, port or path)`,
  badOriginEntry: (variable: string, entry: string) =>
    `${variable}: ${entry} is not an origin (expected http(s)://host[:port], without path)`,

  // Start-up notes.
  generatedToken: (token: string) =>
    `MCP client token (generated for this run; set MCP_AUTH_TOKENS to fix it): ${token}`,
  authDisabledWithSettings: () =>
    'Client authentication is off (MCP_AUTH_DISABLED=true): MCP_AUTH_TOKENS and MCP_JWT_* are ignored',
  openBeyondLoopback: (host: string) =>
    `MCP endpoints accept any client that reaches ${host}: client authentication is off (MCP_AUTH_DISABLED=true)`,
  accessSummary: (auth: string, hosts: string) => `MCP client authentication: ${auth}; accepted: ${hosts}`,

  // Answers to refused requests (short, never echoing a token).
  missingHost: () => 'Forbidden: missing Host header',
  hostNotAllowed: (host: string) => `Forbidden: Host ${host} is not allowed`,
  originNotAllowed: (origin: string) => `Forbidden: Origin ${origin} is not allowed`,
  missingToken: () => 'Unauthorized: a bearer token is required',
  invalidToken: () => 'Unauthorized: invalid token',
  expiredToken: () => 'Unauthorized: token expired',
  verificationUnavailable: () => 'Service unavailable: token keys cannot be fetched; retry later',

  // Logs (the client address, never the token).
  rejectedStart: (reason: string, address: string) =>
    `Rejected MCP request from ${address}: ${reason}; further rejections are logged at debug until a request is accepted`,
  rejected: (reason: string, address: string) => `Rejected MCP request from ${address}: ${reason}`,
  jwksUnavailable: (reason: string) => `JWKS unavailable: ${reason}`,
  jwksRecovered: () => 'JWKS available again',
} as const;
