import { commonMessages } from './common.messages';

/** A piece of work that did not finish within its deadline. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/**
 * Runs `work` with an AbortSignal that fires after `ms`, and rejects at that moment with a
 * DeadlineExceededError even when the work ignores the signal (some steps take no signal). The
 * work itself goes on unless it honours the signal.
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  what = 'the operation',
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceededError(commonMessages.deadlineExceeded(what, ms));
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects when `work` has not settled within `ms`; for work that takes no signal. */
export function withTimeout<T>(work: Promise<T>, ms: number, what = 'the operation'): Promise<T> {
  return withDeadline(ms, () => work, what);
}

/**
 * True when `work` settles, either way, within `ms`; false when it is still going then. Never
 * rejects, and never cancels the work: for steps whose outcome matters less than their time,
 * such as shutdown steps that go on without a dependency that hangs.
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  return withTimeout(settled, Math.max(0, ms)).then(
    () => true,
    () => false,
  );
}
