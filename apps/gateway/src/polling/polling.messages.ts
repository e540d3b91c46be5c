import { escapeNonPrintable } from '@app/common';

/**
 * Every log line of the pollers, as small factories: one tone, and tests assert through them.
 * Upstreams are named by their registered name, its non-printable characters escaped (rows stored
 * before names had to be printable may hold some); reasons come redacted and short.
 */
export const pollingMessages = {
  healthy: (name: string) => `${escapeNonPrintable(name)} is healthy`,
  unhealthy: (name: string, reason: string) => `${escapeNonPrintable(name)} is unhealthy: ${reason}`,
  healthyAgain: (name: string) => `${escapeNonPrintable(name)} is healthy again`,
  suspect: (name: string, failures: number, downAfter: number, reason: string) =>
    `${escapeNonPrintable(name)} failed health check ${failures} of ${downAfter} in a row: ${reason}`,
  discoveryFailed: (name: string, reason: string) => `Tool discovery of ${escapeNonPrintable(name)} failed: ${reason}`,
  discoveryFailedAgain: (name: string, reason: string) =>
    `Tool discovery of ${escapeNonPrintable(name)} still failing: ${reason}`,
  discoveryRecovered: (name: string) => `Tool discovery of ${escapeNonPrintable(name)} works again`,
  discoveryOff: () => 'Periodic tool discovery is off (AUTO_REFRESH_SERVERS=false)',
} as const;

/** A reason in a log line: the first part of the redacted error, enough to act on. */
export const SHORT_REASON_LENGTH = 200;
