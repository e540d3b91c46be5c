import type { Readable } from 'node:stream';
import { escapeNonPrintable } from '@app/common';

const MASK = '***';
// One- and two-character values occur in any text; masking them would protect nothing.
const MIN_SECRET_LENGTH = 3;

export interface StderrLogOptions {
  /** Longer lines are cut (the rest of the line is dropped). */
  maxLineLength: number;
  /** Lines logged per window; the rest are counted and reported as dropped. */
  linesPerWindow: number;
  windowMs: number;
  /** Lines kept for error messages (a process that dies usually says why last). */
  keepLast: number;
}

export const DEFAULT_STDERR_LOG_OPTIONS: StderrLogOptions = {
  maxLineLength: 500,
  linesPerWindow: 50,
  windowMs: 10_000,
  keepLast: 3,
};

/**
 * A stdio server's stderr, read line by line so the pipe never fills and blocks the process:
 * each line is cut, has the server's env values masked and non-printable characters escaped,
 * and goes to `log` (at debug level) within a rate limit. The last few lines are kept for errors.
 */
export class StdioStderrLog {
  private readonly secrets: string[];
  private readonly last: string[] = [];
  private partial = '';
  private skippingRestOfLine = false;
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;

  constructor(
    private readonly log: (line: string) => void,
    secrets: Iterable<string>,
    private readonly options: StderrLogOptions = DEFAULT_STDERR_LOG_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    // Longest first, so that a value containing another is masked whole.
    this.secrets = [...new Set(secrets)]
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  attach(stream: Readable): void {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.write(chunk));
    stream.on('end', () => this.flush());
    // A broken pipe at exit is nothing to report; the transport reports the process's end.
    stream.on('error', () => undefined);
  }

  /** The last lines, masked and escaped, oldest first. */
  lastLines(): string[] {
    return [...this.last];
  }

  /** Text with every env value masked. */
  mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }

  write(chunk: string): void {
    let rest = chunk;
    for (let newline = rest.indexOf('\n'); newline !== -1; newline = rest.indexOf('\n')) {
      const piece = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (this.skippingRestOfLine) {
        this.skippingRestOfLine = false;
        continue;
      }
      this.line(this.partial + piece);
      this.partial = '';
    }
    if (this.skippingRestOfLine) return;
    this.partial += rest;
    // A line without end is emitted once it is long enough to be cut anyway; memory stays bounded.
    if (this.partial.length > this.options.maxLineLength) {
      this.line(this.partial);
      this.partial = '';
      this.skippingRestOfLine = true;
    }
  }

  flush(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.skippingRestOfLine = false;
    this.reportDropped();
  }

  private line(raw: string): void {
    // Secrets are masked before cutting, so a cut never leaves half a secret unmasked.
    const masked = this.mask(raw.replace(/\r$/, ''));
    const cut = masked.length > this.options.maxLineLength ? `${masked.slice(0, this.options.maxLineLength)}…` : masked;
    const text = escapeNonPrintable(cut);
    if (text.trim() === '') return;
    this.last.push(text);
    if (this.last.length > this.options.keepLast) this.last.shift();
    const now = this.now();
    if (now - this.windowStart >= this.options.windowMs) {
      this.reportDropped();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.options.linesPerWindow) {
      this.dropped += 1;
      return;
    }
    this.inWindow += 1;
    this.log(text);
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.log(`(${this.dropped} more stderr lines not logged)`);
    this.dropped = 0;
  }
}
