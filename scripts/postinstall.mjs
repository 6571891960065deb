// `npm install` / `npm ci` run this. With the developer tools installed (a full install), it
// generates the Prisma clients and compiles src/ to dist/, as developers expect. Without
// them (`npm ci --omit=dev` on a tree built beforehand, as in a container's final stage)
// there is nothing to compile with and nothing to compile: dist/ is already there, so it
// says so in one line and succeeds. Plain JavaScript because tsx may be absent.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function installed(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

const devTools = ['tsx', 'typescript', 'prisma'];
if (!devTools.every(installed)) {
  const built = existsSync(path.join(root, 'dist', 'main.js'));
  console.log(
    built
      ? 'mailroom: production install; running the compiled dist/ as it is'
      : 'mailroom: dist/ is missing and the build tools are not installed: run `npm ci` (with dev dependencies) and `npm run build` first',
  );
  process.exit(0);
}

const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: 'inherit' });
run(process.execPath, [require.resolve('tsx/cli'), 'scripts/prisma-generate.ts']);
run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
