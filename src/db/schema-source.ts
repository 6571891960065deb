/**
 * One data model, two providers. prisma/models.prisma holds the models; this module adds
 * the generator and datasource blocks for a provider, so the Prisma client generator and
 * the migration engine read exactly the same schema text.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { DatabaseProvider } from '../config/database-url.js';

export { DATABASE_PROVIDERS, type DatabaseProvider } from '../config/database-url.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MODELS_FILE = path.join(PROJECT_ROOT, 'prisma', 'models.prisma');

/** Where a provider's committed migration history lives. */
export function migrationsDir(provider: DatabaseProvider): string {
  return path.join(PROJECT_ROOT, 'prisma', 'migrations', provider);
}

/** Where a provider's generated Prisma client is written (not committed). */
export function generatedClientDir(provider: DatabaseProvider): string {
  return path.join(PROJECT_ROOT, 'src', 'db', 'generated', provider);
}

/** The complete Prisma schema for a provider. */
export function schemaFor(provider: DatabaseProvider, models = readFileSync(MODELS_FILE, 'utf8')): string {
  return `// Generated from prisma/models.prisma for ${provider}; edit that file, not this text.
generator client {
  provider            = "prisma-client"
  output              = ${JSON.stringify(generatedClientDir(provider))}
  moduleFormat        = "esm"
  importFileExtension = "js"
}

datasource db {
  provider = "${provider}"
}

${models}`;
}
