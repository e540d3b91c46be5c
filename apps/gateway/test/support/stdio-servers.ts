import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** server-everything's entry point (its `mcp-server-everything` bin), run with `stdio`. */
export const SERVER_EVERYTHING_ENTRY = resolve(
  __dirname,
  '../../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

/** An env value that must never show up in logs, errors or the admin API. */
export const STDIO_ENV_CANARY = 'stdio-canary-7f3a9c1e5b';

/** An STDIO_SERVERS entry starting server-everything over stdio with the canary in its env. */
export function serverEverythingSpec(): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: [SERVER_EVERYTHING_ENTRY, 'stdio'],
    env: { EVERYTHING_API_KEY: STDIO_ENV_CANARY },
  };
}

/** An entry whose process prints a line naming its secret on stderr and exits at once with code 3. */
export function exitAtOnceSpec(): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: ['-e', 'console.error("fatal: bad key " + process.env.EXIT_API_KEY); process.exit(3)'],
    env: { EXIT_API_KEY: STDIO_ENV_CANARY },
  };
}

/** Live (not zombie) child processes of `pid`, with their command lines. */
export function childProcessesOf(pid: number): Array<{ pid: number; args: string }> {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no such process.
    return [];
  }
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !m[2].startsWith('Z') && !m[3].startsWith('ps '))
    .map((m) => ({ pid: Number(m[1]), args: m[3] }));
}

/** Whether a process with this pid exists (zombies included). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Marks the processes of stubbornSpec in `ps` output. */
export const STUBBORN_MARKER = 'stdio-stubborn-server';

/** An entry whose process never answers and ignores the end of its stdin: only a signal stops it. */
export function stubbornSpec(): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', `/* ${STUBBORN_MARKER} */ setInterval(() => {}, 1000)`] };
}
