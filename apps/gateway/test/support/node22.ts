import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './gateway-process';

const run = promisify(execFile);

/** The conformance suite needs Node ≥ 22; the gateway and its tests run on 20. */
const NODE_VERSION = '22.23.3';
const TOOLS_DIR = join(REPO_ROOT, '.tools', `node-${NODE_VERSION}`);

/**
 * A Node 22 binary for tools that need it: this Node when it is new enough, else Node's own
 * binary package from npm (`node-<platform>-<arch>`), installed once under .tools/. Kept out of
 * package.json on purpose: a dependency named `node` would put its binary first on every npm
 * script's PATH and run the gateway itself on 22.
 */
export async function node22(): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${platform}-${process.arch}`;
  const binary = join(TOOLS_DIR, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    try {
      await run(
        'npm',
        [
          'install',
          '--prefix',
          TOOLS_DIR,
          '--no-save',
          '--no-package-lock',
          '--no-audit',
          '--no-fund',
          `${pkg}@${NODE_VERSION}`,
        ],
        {
          timeout: 300_000,
        },
      );
    } catch (error) {
      throw new Error(
        `Node ${NODE_VERSION} is needed for the MCP conformance suite and could not be installed from npm ` +
          `(${pkg}@${NODE_VERSION}): ${(error as Error).message}. Run the tests on Node ≥ 22, or install it by hand into ${TOOLS_DIR}.`,
      );
    }
  }
  if (!existsSync(binary)) throw new Error(`npm installed ${pkg}@${NODE_VERSION} but ${binary} is missing`);
  return binary;
}
