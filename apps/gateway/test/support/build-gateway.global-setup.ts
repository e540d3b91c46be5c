import { resolve } from 'node:path';
import { buildIfStale } from '../../../../scripts/build-if-stale';

const ROOT = resolve(__dirname, '../../../..');

/**
 * Builds the gateway once before the e2e specs, which run the built `dist` as users do.
 * Skipped when the build is newer than every source and build configuration file.
 */
export default function buildGateway(): void {
  buildIfStale(ROOT, { quiet: true, timeoutMs: 180_000 });
}
