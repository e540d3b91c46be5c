import { readFile } from 'node:fs/promises';

/** A process's resident set size in kB (VmRSS of /proc/<pid>/status), or null when it is gone. */
export async function residentKb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
