import type { ShutdownStep } from './shutdown-budget';

/** Every log line of the shutdown, as small factories; tests assert through them. */
export const shutdownMessages = {
  draining: (signal: string, graceMs: number) =>
    `${signal} received: shutting down (draining: /health/ready answers 503; every step bounded, ${graceMs} ms in all)`,
  overran: (what: string, step: ShutdownStep, budgetMs: number, outcome = 'going on without it') =>
    `Shutdown step "${what}" overran its ${budgetMs} ms budget (${step}); ${outcome}`,
  failed: (what: string, reason: string) => `Shutdown step "${what}" failed: ${reason}; going on`,
} as const;
