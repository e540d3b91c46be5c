import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A gateway started the way its users start it: `node .` (package.json's "main") with its environment. */
export interface GatewayProcess {
  /** Base URL from the gateway's own `Listening on` line. */
  readonly baseUrl: string;
  readonly pid: number;
  /** Last lines the gateway wrote, for diagnosing a failure. */
  logTail(): string[];
  /** How it ended, or null while it runs. */
  exitStatus(): ExitStatus | null;
  /** SIGTERM, then wait; SIGKILL after `timeoutMs`. Resolves with the exit code (null when killed). */
  stop(timeoutMs: number): Promise<ExitStatus>;
  /** Last resort for a demo that is dying itself: kill without waiting. */
  killNow(): void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const LOG_TAIL_LINES = 15;
// Nest colours its logs unless NO_COLOR is set; strip any colour before matching.
const ANSI = /\u001b\[[0-9;]*m/g;
const LISTENING = /Listening on (http:\/\/\S+)/;

export async function startGateway(
  mainJs: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  startTimeoutMs: number,
  /** Node's own options, before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs: readonly string[] = [],
): Promise<GatewayProcess> {
  // Own process group: Ctrl-C in the terminal reaches only the demo, which then stops the
  // gateway in order (and still reads its final counters first).
  const child = spawn(process.execPath, [...nodeArgs, mainJs], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  let exit: ExitStatus | null = null;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const baseUrl = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the gateway did not report its address within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    const onLine = (line: string): void => {
      const plain = line.replace(ANSI, '');
      tail.push(plain);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      const match = LISTENING.exec(plain);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited during start-up (code ${status.code ?? status.signal})`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });

  const handle: GatewayProcess = {
    baseUrl: '',
    pid: child.pid ?? -1,
    logTail: () => [...tail],
    exitStatus: () => exit,
    async stop(timeoutMs) {
      if (exit) return exit;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
    killNow() {
      if (!exit) signalGroup(child, 'SIGKILL');
    },
  };

  try {
    return { ...handle, baseUrl: await baseUrl };
  } catch (error) {
    await handle.stop(5000);
    throw error;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The gateway leads its own group; signalling the group also reaches anything it spawned.
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
