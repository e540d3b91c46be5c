/**
 * The bounded steps of a shutdown, in the order Nest runs them, with each one's share of
 * SHUTDOWN_GRACE_MS. Every step runs under its own budget, so the steps together take at most
 * 0.9 of the grace period whatever hangs (Redis frozen, the database hung); the last tenth is
 * slack for Nest's own work between the steps and for the exit.
 *
 * | step         | hook                                   | what                                                    |
 * |--------------|----------------------------------------|---------------------------------------------------------|
 * | `pollers`    | onModuleDestroy                        | the health and discovery pollers stop (side by side)    |
 * | `classifier` | onModuleDestroy, onApplicationShutdown | the classification loop stops and releases the leader lock; later its Redis connections close (each under this budget) |
 * | `sessions`   | beforeApplicationShutdown              | client calls in flight finish, then pooled sessions close |
 * | `http`       | beforeApplicationShutdown (global)     | the HTTP server stops accepting and closes             |
 * | `database`   | onApplicationShutdown                  | TypeORM's DataSource is destroyed (its sockets dropped when that hangs) |
 * | `redis`      | onApplicationShutdown (global)         | the shared Redis client quits, else disconnects          |
 */
export const SHUTDOWN_SHARES = {
  pollers: 0.15,
  classifier: 0.1,
  sessions: 0.25,
  http: 0.05,
  database: 0.15,
  redis: 0.1,
} as const;

export type ShutdownStep = keyof typeof SHUTDOWN_SHARES;

export type ShutdownBudgets = Readonly<Record<ShutdownStep, number>>;

/** How many times each step's budget may be spent in one shutdown (the classifier's twice). */
const USES: Readonly<Record<ShutdownStep, number>> = {
  pollers: 1,
  classifier: 2,
  sessions: 1,
  http: 1,
  database: 1,
  redis: 1,
};

/** The share of the grace period the steps may take in all; the rest is slack. */
export const SHUTDOWN_STEPS_SHARE = (Object.keys(SHUTDOWN_SHARES) as ShutdownStep[]).reduce(
  (sum, step) => sum + SHUTDOWN_SHARES[step] * USES[step],
  0,
);

/** Each step's budget in whole milliseconds for a grace period of `graceMs`. */
export function shutdownBudgets(graceMs: number): ShutdownBudgets {
  const grace = Number.isFinite(graceMs) && graceMs > 0 ? graceMs : 0;
  const budgets = {} as Record<ShutdownStep, number>;
  for (const step of Object.keys(SHUTDOWN_SHARES) as ShutdownStep[]) {
    budgets[step] = Math.floor(grace * SHUTDOWN_SHARES[step]);
  }
  return budgets;
}
