import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');
const MAIN = join(ROOT, 'dist/apps/gateway/apps/gateway/src/main.js');
const SOURCE_DIRS = ['apps/gateway/src', 'libs'];
const CONFIG_FILES = ['nest-cli.json', 'tsconfig.base.json', 'apps/gateway/tsconfig.app.json', 'package-lock.json'];

/**
 * Builds the gateway once before the e2e specs, which run the built `dist` as users do.
 * Skipped when the build is newer than every source and build configuration file.
 */
export default function buildGateway(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs > newestSourceMtime()) return;
  try {
    execFileSync('npx', ['nest', 'build', 'gateway'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`The gateway build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
}

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (isBuildInput(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) visit(join(ROOT, dir));
  for (const file of CONFIG_FILES) {
    const full = join(ROOT, file);
    if (existsSync(full)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isBuildInput(name: string): boolean {
  return (name.endsWith('.ts') && !name.endsWith('.spec.ts')) || name.endsWith('.json');
}
