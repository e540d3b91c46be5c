import { setTimeout as delay } from 'node:timers/promises';

export interface TrafficOptions {
  /** Number of servers; ranks and server indexes run 0..servers-1. */
  servers: number;
  /** Calls per second over all servers. */
  ratePerSecond: number;
  /** Zipf exponent: rank r (from 1) gets a share proportional to 1 / r^exponent. */
  exponent: number;
  /** The busiest ranks, used steadily; the rest see occasional bursts. */
  steadyRanks: number;
  /** Calls per burst to a long-tail server. */
  burstLength: number;
}

/** Sends one call to a server (by index); resolves true when it succeeded. */
export type SendCall = (server: number) => Promise<boolean>;

/**
 * Zipf-distributed traffic. The busiest servers are called steadily, like an agent loop; the
 * long tail gets its (Zipf) share in short bursts, like an agent using a tool server for one
 * task. The classification ranks by last use, so a tail server called a moment before a cycle
 * can still be hot for one interval; bursts keep that the exception it is in real traffic.
 */
export class ZipfTraffic {
  private readonly shares: number[];
  private order: readonly number[];
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly sent: number[];
  private failures = 0;

  constructor(
    private readonly options: TrafficOptions,
    private readonly send: SendCall,
    initialOrder: readonly number[],
  ) {
    const weights = Array.from({ length: options.servers }, (_, r) => 1 / Math.pow(r + 1, options.exponent));
    const total = weights.reduce((a, b) => a + b, 0);
    this.shares = weights.map((w) => w / total);
    this.sent = new Array<number>(options.servers).fill(0);
    this.order = initialOrder;
  }

  /** Server indexes by rank, busiest first; takes effect with each loop's next call. */
  setOrder(order: readonly number[]): void {
    this.order = order;
  }

  busiest(): readonly number[] {
    return this.order.slice(0, this.options.steadyRanks);
  }

  /** Successful calls per server so far. */
  callsPerServer(): number[] {
    return [...this.sent];
  }

  failedCalls(): number {
    return this.failures;
  }

  start(): void {
    const steady = Math.min(this.options.steadyRanks, this.options.servers);
    for (let rank = 0; rank < steady; rank += 1) {
      this.loops.push(this.steadyLoop(rank));
    }
    if (steady < this.options.servers) this.loops.push(this.burstLoop(steady));
  }

  /** Stops sending and waits for the calls in flight. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async steadyLoop(rank: number): Promise<void> {
    const periodMs = 1000 / (this.options.ratePerSecond * (this.shares[rank] ?? 0));
    // Spread the loops' first calls so they do not move in lockstep.
    await this.pause(Math.random() * periodMs);
    while (!this.stopped) {
      const started = Date.now();
      await this.call(this.order[rank]);
      await this.pause(periodMs * (0.8 + 0.4 * Math.random()) - (Date.now() - started));
    }
  }

  private async burstLoop(firstTailRank: number): Promise<void> {
    const tailShares = this.shares.slice(firstTailRank);
    const tailShare = tailShares.reduce((a, b) => a + b, 0);
    const meanGapMs = (1000 * this.options.burstLength) / (this.options.ratePerSecond * tailShare);
    let nextAt = Date.now();
    while (!this.stopped) {
      // Exponential gaps on a clock of their own: bursts arrive independently of each other and
      // of the cycles, and a slow burst does not lower the rate.
      nextAt += -Math.log(1 - Math.random()) * meanGapMs;
      await this.pause(nextAt - Date.now());
      const rank = firstTailRank + pickIndex(tailShares);
      for (let i = 0; i < this.options.burstLength && !this.stopped; i += 1) {
        await this.call(this.order[rank]);
      }
    }
  }

  private async call(server: number | undefined): Promise<void> {
    if (server === undefined || this.stopped) return;
    let ok = false;
    try {
      ok = await this.send(server);
    } catch {
      ok = false;
    }
    if (ok) this.sent[server] = (this.sent[server] ?? 0) + 1;
    else this.failures += 1;
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return;
    await delay(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}

/** An index drawn with probability proportional to its weight. */
function pickIndex(weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = Math.random() * total;
  for (let i = 0; i < weights.length; i += 1) {
    x -= weights[i] ?? 0;
    if (x < 0) return i;
  }
  return weights.length - 1;
}
