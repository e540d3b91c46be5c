import type * as Jose from 'jose';

/**
 * jose for specs (signing tokens, making keys). It is an ES module, which Jest's module registry
 * cannot load in CommonJS specs; Node's own require can (Node ≥ 20.19), so it is loaded through that.
 */
export function loadJose(): typeof Jose {
  const nodeModule = process.getBuiltinModule('node:module') as typeof import('node:module');
  return nodeModule.createRequire(__filename)('jose') as typeof Jose;
}
