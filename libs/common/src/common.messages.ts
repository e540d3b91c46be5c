/** Every message of the common helpers, as small factories: one tone, and tests assert through them. */
export const commonMessages = {
  deadlineExceeded: (what: string, ms: number) => `${what} timed out after ${ms} ms`,
  unknownError: () => 'unknown error',
  notPrintable: (codePoint: string, description: string) =>
    `must contain printable characters only: ${codePoint} is ${description}`,
  runFailed: (task: string, reason: string) => `${task} failed: ${reason}`,
  alreadyRunning: (task: string) => `${task} is already running`,
  invalidPeriod: (task: string, field: string, value: unknown) =>
    `${task}: ${field} must be a positive number of milliseconds, got ${String(value)}`,
} as const;
