import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE_DIRS = ['apps/gateway/src', 'libs'];
// Build configuration besides the sources (a new lockfile may bring a new compiler).
const SOURCE_FILES = ['tsconfig.base.json', 'nest-cli.json', 'apps/gateway/tsconfig.app.json', 'package-lock.json'];

/** True when the built entry point is missing or older than any gateway source it is built from. */
export function buildIsStale(root: string, mainJs: string): boolean {
  let built: number;
  try {
    built = statSync(mainJs).mtimeMs;
  } catch {
    return true;
  }
  const newer = (path: string): boolean => {
    try {
      return statSync(path).mtimeMs > built;
    } catch {
      return false;
    }
  };
  return (
    SOURCE_FILES.some((file) => newer(join(root, file))) || SOURCE_DIRS.some((dir) => anyNewer(join(root, dir), built))
  );
}

function anyNewer(dir: string, than: number): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (anyNewer(path, than)) return true;
    } else if (isBuildInput(entry.name) && statSync(path).mtimeMs > than) {
      return true;
    }
  }
  return false;
}

/** `npm run build`, output shown; rejects when it fails. */
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

function isBuildInput(name: string): boolean {
  return (name.endsWith('.ts') && !name.endsWith('.spec.ts')) || name.endsWith('.json');
}
