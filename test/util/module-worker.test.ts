/**
 * A compiled worker started from a process run under a loader (compiled code under tsx, as
 * the benches run it) starts without the loader, keeping the other flags.
 */
import { expect, it } from 'vitest';
import { withoutModuleLoaders } from '../../src/util/module-worker.js';

it('leaves out module loaders given either way, and keeps every other flag', () => {
  expect(
    withoutModuleLoaders([
      '--require',
      '/x/tsx/dist/preflight.cjs',
      '--import',
      'file:///x/tsx/dist/loader.mjs',
      '--cpu-prof',
      '--cpu-prof-dir=/tmp/p',
      '--import=tsx',
      '-r',
      'dotenv/config',
      '--experimental-loader=./hooks.mjs',
      '--max-semi-space-size=2',
    ]),
  ).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p', '--max-semi-space-size=2']);
  expect(withoutModuleLoaders([])).toEqual([]);
});
