/** What a new result changed: worth one line each, or nothing (null) when it is the same as before. */
export type StateChange = 'first-ok' | 'failed' | 'recovered' | null;

/**
 * The last result this worker saw for each upstream (ok or not), so a poller logs changes of
 * state, not checks: an upstream that stays down is one line when it goes down and one when it
 * is back, however many rounds look at it meanwhile. The first time this worker sees an upstream,
 * the state stored in the registry (another worker's last check, or this one's before a restart)
 * stands in for what it saw before, so a fleet does not announce again what one worker already did.
 */
export class UpstreamStates {
  private readonly seen = new Map<string, boolean>();

  /** Records `ok` for upstream `id`; `stored` is the registry's state of it (null: never checked). */
  record(id: string, ok: boolean, stored: boolean | null = null): StateChange {
    const before = this.seen.has(id) ? this.seen.get(id) : stored;
    this.seen.set(id, ok);
    if (ok === before) return null;
    if (!ok) return 'failed';
    return before === false ? 'recovered' : 'first-ok';
  }

  /** Forgets every upstream not in `ids` (deleted or disabled since). */
  retainOnly(ids: ReadonlySet<string>): void {
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
  }
}
