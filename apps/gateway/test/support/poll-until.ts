export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until `done` accepts its value and returns that value. A probe that throws
 * counts as "not yet" (the process may still be starting). On timeout the error names `what`
 * and shows the last value or error, which is what a failing e2e run needs to be read.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string = 'no attempt finished';
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = `last value: ${describe(value)}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await delay(intervalMs);
  }
}

/** Pauses between probes; never used as an assertion. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}
