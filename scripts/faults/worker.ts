import { GatewayProcess } from '../../apps/gateway/test/support/gateway-process';
import type { History } from './history';

/** One gateway worker process of the cluster, and what the harness did to it. */
export class FaultWorker {
  /** The lock token the worker uses (its /classification instanceId), once known. */
  token = '';
  private pausedNow = false;
  private signalledAt: number | null = null;

  private constructor(
    readonly label: string,
    readonly process: GatewayProcess,
    private readonly history: History,
  ) {
    void process.exited.then((exit) =>
      history.add({ kind: 'exit', at: Date.now(), worker: label, code: exit.code, signal: exit.signal }),
    );
  }

  static async start(label: string, env: Record<string, string> & { DATABASE_URL: string }, history: History) {
    const gateway = await GatewayProcess.start({ label, env });
    return new FaultWorker(label, gateway, history);
  }

  get baseUrl(): string {
    return this.process.baseUrl;
  }

  get pid(): number {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.process.exitInfo() === null;
  }

  /** Alive, not paused and not told to stop: a worker every check expects to answer. */
  get serving(): boolean {
    return this.alive && !this.pausedNow && this.signalledAt === null;
  }

  /** Sends a signal and records it; SIGSTOP/SIGCONT pause and resume without ending the worker. */
  signal(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    this.history.add({ kind: 'signal', at: Date.now(), worker: this.label, signal });
    if (signal === 'SIGSTOP') this.pausedNow = true;
    else if (signal === 'SIGCONT') this.pausedNow = false;
    else this.signalledAt ??= Date.now();
    process.kill(this.pid, signal);
  }

  /** Always leaves the process gone: resumes a paused one first so SIGKILL is not held up. */
  async destroy(): Promise<void> {
    if (!this.alive) return;
    if (this.pausedNow) this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.process.exited;
  }
}
