import type { History } from '../history';
import type { Span } from '../run-record';

/**
 * When each worker was expected to answer: from the start until it was told to stop (SIGTERM,
 * SIGKILL) or exited, minus the spans it was frozen (SIGSTOP until SIGCONT).
 */
export class WorkerStates {
  private readonly paused = new Map<string, Span[]>();
  private readonly endedAt = new Map<string, number>();

  constructor(history: History) {
    const stoppedAt = new Map<string, number>();
    for (const e of history.of('signal')) {
      if (e.signal === 'SIGSTOP') stoppedAt.set(e.worker, e.at);
      else if (e.signal === 'SIGCONT') {
        const from = stoppedAt.get(e.worker);
        if (from !== undefined) this.pausedOf(e.worker).push({ from, to: e.at });
        stoppedAt.delete(e.worker);
      } else if (!this.endedAt.has(e.worker)) this.endedAt.set(e.worker, e.at);
    }
    for (const [worker, from] of stoppedAt) this.pausedOf(worker).push({ from, to: Infinity });
    for (const e of history.of('exit')) {
      if (!this.endedAt.has(e.worker) || (this.endedAt.get(e.worker) as number) > e.at)
        this.endedAt.set(e.worker, e.at);
    }
  }

  /** Expected to answer throughout [from, to]. */
  serving(worker: string, from: number, to: number = from): boolean {
    if (to >= (this.endedAt.get(worker) ?? Infinity)) return false;
    return !this.pausedOf(worker).some((p) => p.from <= to && from <= p.to);
  }

  private pausedOf(worker: string): Span[] {
    let spans = this.paused.get(worker);
    if (!spans) this.paused.set(worker, (spans = []));
    return spans;
  }
}
