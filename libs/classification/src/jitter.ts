/**
 * An upstream's stable jitter factor in [1 − jitter, 1 + jitter]: its intervals are stretched or
 * shrunk by it, so upstreams first polled together drift apart and stay apart (the same id
 * always gets the same factor, on every worker). FNV-1a: fast, stable, no need for a crypto hash.
 */
export function jitterFactor(id: string, jitter: number): number {
  if (jitter <= 0) return 1;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  const unit = (hash >>> 0) / 0xffffffff;
  return 1 + jitter * (2 * unit - 1);
}
