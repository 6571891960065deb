/**
 * `npm install` runs this: generates the Prisma client for each provider from
 * prisma/models.prisma.
 *
 * `prisma generate` needs no schema engine, but the CLI still tries to download one first
 * and fails on machines that cannot reach Prisma's binary host. Pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that download; where the variable
 * is already set we leave it alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_PROVIDERS, PROJECT_ROOT, schemaFor } from '../src/db/schema-source.js';

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js', { paths: [PROJECT_ROOT] });
const env: NodeJS.ProcessEnv = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

const workDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-prisma-'));
try {
  for (const provider of DATABASE_PROVIDERS) {
    const schemaFile = path.join(workDir, `${provider}.prisma`);
    writeFileSync(schemaFile, schemaFor(provider));
    execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schemaFile], {
      env,
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    console.log(`mailroom: Prisma client generated for ${provider}`);
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
