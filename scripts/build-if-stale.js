'use strict';
/**
 * `node scripts/build-if-stale.js`: runs `npm run build` unless the built gateway is newer than
 * every file it is built from. `npm start`, the e2e global setup and `npm run demo` use it.
 *
 * The built entry point is package.json's "main" (what `node .` runs). Inputs: the sources under
 * apps/gateway/src and libs/<name>/src (spec files, test/ and testing/ folders left out, as the
 * build leaves them out), the directories holding them (a deleted or renamed file changes its
 * directory), and the build configuration. A failed build leaves no entry point (noEmitOnError,
 * deleteOutDir), so the next run builds again.
 *
 * Plain JavaScript: `npm start` should not pay for a TypeScript compiler before deciding.
 */
const { spawnSync } = require('node:child_process');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const APP_SOURCES = 'apps/gateway/src';
const LIBS = 'libs';
// Build configuration besides the sources (a new lockfile may bring a new compiler).
const CONFIG_FILES = [
  'nest-cli.json',
  'tsconfig.base.json',
  'apps/gateway/tsconfig.app.json',
  'package.json',
  'package-lock.json',
];
const SKIPPED_DIRS = new Set(['test', 'testing', 'node_modules']);

/** The built entry point: package.json's "main", absolute. */
function entryPath(root = ROOT) {
  const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main;
  if (typeof main !== 'string' || main === '') throw new Error('package.json has no "main" (the built entry point)');
  return resolve(root, main);
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function isBuildInput(name) {
  return (name.endsWith('.ts') && !name.endsWith('.spec.ts')) || name.endsWith('.json');
}

/** True when `dir`, or a build input or directory below it, was modified after `than`. */
function anyNewer(dir, than) {
  const own = mtime(dir);
  if (own === undefined) return false;
  if (own > than) return true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && anyNewer(path, than)) return true;
    } else if (isBuildInput(entry.name) && (mtime(path) ?? 0) > than) {
      return true;
    }
  }
  return false;
}

function sourceDirs(root) {
  const libs = join(root, LIBS);
  let names = [];
  try {
    names = readdirSync(libs, { withFileTypes: true }).filter((e) => e.isDirectory());
  } catch {
    // no libraries
  }
  return [join(root, APP_SOURCES), ...names.map((e) => join(libs, e.name, 'src'))];
}

/** True when the entry point is missing or older than any build input. */
function buildIsStale(root = ROOT) {
  const built = mtime(entryPath(root));
  if (built === undefined) return true;
  if (CONFIG_FILES.some((file) => (mtime(join(root, file)) ?? 0) > built)) return true;
  // libs/ itself: a library added or removed.
  if ((mtime(join(root, LIBS)) ?? 0) > built) return true;
  return sourceDirs(root).some((dir) => anyNewer(dir, built));
}

/**
 * `npm run build`. Output goes to the terminal, or with `quiet` is kept and put in the error
 * thrown when the build fails.
 */
function build(root = ROOT, { quiet = false, timeoutMs } = {}) {
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    stdio: quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.error) throw new Error(`npm run build could not run: ${result.error.message}`);
  if (result.status !== 0) {
    const output = quiet ? `:\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`The gateway build failed (${result.status ?? result.signal})${output}`);
  }
}

/** Builds when stale; true when it built. */
function buildIfStale(root = ROOT, options = {}) {
  if (!buildIsStale(root)) return false;
  build(root, options);
  return true;
}

module.exports = { entryPath, buildIsStale, build, buildIfStale };

if (require.main === module) {
  try {
    if (buildIsStale(ROOT)) {
      process.stderr.write('Building the gateway (npm run build): its sources changed since the last build\n');
      build(ROOT);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
