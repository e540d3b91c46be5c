/**
 * The last state seen of each watched thing, so a caller logs a line when one changes and not
 * on every request that finds it the same. Things start in `initial` (a healthy state: nothing
 * is logged until the first change away from it).
 */
export class StateChanges<State extends string> {
  private readonly states = new Map<string, State>();

  constructor(private readonly initial: State) {}

  /** Records `state` for `key`; returns the state it had before when that differs, else null. */
  record(key: string, state: State): State | null {
    const before = this.states.get(key) ?? this.initial;
    if (before === state) return null;
    this.states.set(key, state);
    return before;
  }

  current(key: string): State {
    return this.states.get(key) ?? this.initial;
  }
}
