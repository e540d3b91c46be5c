import { connect, type Socket } from 'node:net';
import type { Canary } from './canary';
import type { History } from './history';

const RECONNECT_MS = 100;

/**
 * Redis MONITOR on a raw socket of its own, every command into the history. A plain socket
 * rather than a client library: MONITOR must be re-issued after every disconnect (a restart,
 * or CLIENT KILL TYPE normal, which counts monitors as normal clients), and only the outage
 * itself may be missing from the feed.
 */
export class MonitorFeed {
  private socket: Socket | null = null;
  private stopped = false;
  private buffered = '';

  constructor(
    private readonly port: number,
    private readonly history: History,
    private readonly canary: Canary,
  ) {}

  /** Resolves once the first MONITOR is acknowledged. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.open(resolve, reject));
  }

  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
    this.socket = null;
  }

  private open(ready?: () => void, failed?: (error: Error) => void): void {
    if (this.stopped) return;
    const socket = connect({ host: '127.0.0.1', port: this.port });
    this.socket = socket;
    this.buffered = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      let end: number;
      while ((end = this.buffered.indexOf('\r\n')) >= 0) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        if (line === '+OK') ready?.();
        else if (line.startsWith('+')) this.record(line.slice(1));
      }
    });
    socket.on('error', (error) => failed?.(error));
    socket.once('close', () => {
      if (this.socket === socket && !this.stopped) setTimeout(() => this.open(), RECONNECT_MS);
    });
  }

  /** `1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`, `[0 lua]` inside scripts. */
  private record(line: string): void {
    const match = /^(\d+\.\d+) \[\d+ ([^\]]+)\] (.*)$/.exec(line);
    if (!match) return;
    const args = unquote(match[3]);
    this.history.add({ kind: 'monitor', at: Math.round(Number(match[1]) * 1000), args, source: match[2] });
    this.canary.scan('redis MONITOR', match[3]);
  }
}

/** The quoted, backslash-escaped arguments of a MONITOR line. */
function unquote(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    let arg = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) {
        const next = text[i + 1];
        if (next === 'x') {
          arg += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        arg += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
        i += 2;
        continue;
      }
      arg += text[i++];
    }
    args.push(arg);
    i++;
  }
  return args;
}
