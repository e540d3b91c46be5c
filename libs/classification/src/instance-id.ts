import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A lock token unique across hosts, processes and restarts: host, pid and 80 random bits. */
export function createInstanceId(prefix = 'classifier'): string {
  return `${prefix}_${hostname()}_${process.pid}_${randomBytes(10).toString('hex')}`;
}
