import type { Clock } from '@app/common';

/** An upstream offered to a claim round. */
export interface PollCandidate {
  /** The upstream's (gateway's) id: its poll schedule and jitter are its own. */
  id: string;
  /** Its canonical URL, as classified. */
  url: string;
  /** Its own interval for this poll type in seconds, instead of its class's; null or absent: by class. */
  intervalSeconds?: number | null;
}

/** How the round's outcomes reach the store; the gate provides it. */
export interface PollRoundWriter<T> {
  complete(upstreams: readonly T[]): Promise<void>;
  release(upstreams: readonly T[]): Promise<void>;
}

export interface PollRoundInit<T> {
  /** The upstreams this worker claimed: poll exactly these. */
  due: readonly T[];
  notDue: number;
  /** Due, but claimed by another worker. */
  held: number;
  /** The store could not answer, so every upstream is due and nothing is claimed (fail open). */
  failedOpen: boolean;
  /** Epoch ms at which this worker's claims lapse. */
  leaseEndsAt: number;
  /** Completions are written at most this long after the first one waits, or at `close()`. */
  flushAfterMs: number;
  clock: Clock;
  writer: PollRoundWriter<T>;
}

/**
 * One worker's share of a poll round: the upstreams it claimed, and the record of how each poll
 * went. Completions and failures are buffered and written in batches (one round trip each), at
 * the latest `flushAfterMs` after the first, well inside the lease; `close()` writes the rest
 * and releases whatever was claimed but never polled.
 */
export class PollRound<T extends PollCandidate> {
  readonly due: readonly T[];
  readonly notDue: number;
  readonly held: number;
  readonly failedOpen: boolean;
  private readonly leaseEndsAt: number;
  private completed: T[] = [];
  private failed: T[] = [];
  private readonly settled = new Set<T>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly init: PollRoundInit<T>) {
    this.due = init.due;
    this.notDue = init.notDue;
    this.held = init.held;
    this.failedOpen = init.failedOpen;
    this.leaseEndsAt = init.leaseEndsAt;
  }

  /** Whether the claims still hold for at least `marginMs`: a poll that may outlast them must not start. */
  holds(marginMs: number): boolean {
    return this.init.clock.now() + marginMs <= this.leaseEndsAt;
  }

  /** The poll succeeded: record it (batched). */
  complete(upstream: T): void {
    if (!this.settle(upstream)) return;
    this.completed.push(upstream);
    this.scheduleFlush();
  }

  /** The poll failed or was not started: release the claim (batched) so another worker may retry. */
  fail(upstream: T): void {
    if (!this.settle(upstream)) return;
    this.failed.push(upstream);
    this.scheduleFlush();
  }

  /** Writes what is buffered: completions and releases together, one round trip. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const completed = this.completed;
    const failed = this.failed;
    this.completed = [];
    this.failed = [];
    if (completed.length === 0 && failed.length === 0) return this.writing;
    const { writer } = this.init;
    this.writing = this.writing.then(() =>
      Promise.all([
        completed.length > 0 ? writer.complete(completed) : undefined,
        failed.length > 0 ? writer.release(failed) : undefined,
      ]).then(() => undefined),
    );
    return this.writing;
  }

  /** Releases every claimed upstream not yet settled and writes everything buffered. */
  close(): Promise<void> {
    for (const upstream of this.due) if (!this.settled.has(upstream)) this.fail(upstream);
    return this.flush();
  }

  private settle(upstream: T): boolean {
    if (this.settled.has(upstream)) return false;
    this.settled.add(upstream);
    return true;
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.init.flushAfterMs);
    this.timer.unref();
  }
}
