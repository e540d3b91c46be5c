import { spawn } from 'node:child_process';

/** `npm run build`, output shown; rejects when it fails. Whether it is needed: `buildIsStale` (scripts/build-if-stale). */
export function runBuild(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`npm run build failed (${code ?? signal})`));
    });
  });
}
