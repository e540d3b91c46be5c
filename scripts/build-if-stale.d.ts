/** Types of scripts/build-if-stale.js (plain JavaScript, so `npm start` needs no TypeScript compiler). */

/** The built entry point: package.json's "main", absolute. */
export function entryPath(root?: string): string;

/** True when the entry point is missing or older than any build input. */
export function buildIsStale(root?: string): boolean;

export interface BuildOptions {
  /** Keep the output and put it in the error thrown when the build fails, instead of printing it. */
  quiet?: boolean;
  timeoutMs?: number;
}

/** `npm run build`; throws when it fails. */
export function build(root?: string, options?: BuildOptions): void;

/** Builds when stale; true when it built. */
export function buildIfStale(root?: string, options?: BuildOptions): boolean;
