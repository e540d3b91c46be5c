/**
 * Runs `tick` every `periodMs` until stopped, never two at once: a tick that is still waiting on
 * a hung peer makes the loop skip beats rather than pile requests on it.
 */
export class SamplingLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly periodMs: number,
    private readonly tick: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = this.tick()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight = null;
        });
    }, this.periodMs);
  }

  /** Stops ticking and waits for the tick in flight, so nothing is recorded afterwards. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
