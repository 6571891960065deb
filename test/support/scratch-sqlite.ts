/**
 * A migrated scratch database (SQLite file, or a database on a PostgreSQL server) and a
 * parse pool for the tests of a file: made before them, removed after. `world.db` and
 * `world.pool` are usable inside tests and hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { createDbClient, rawMailStoreOf, sqlRunnerOf, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { ParsePool } from '../../src/mail/parse-pool.js';

export interface ScratchWorld {
  db: Db;
  pool: ParsePool;
}

export function useScratchDatabase(provider: DatabaseProvider, adminUrl?: string): ScratchWorld {
  const world = {} as ScratchWorld;
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase(provider, adminUrl);
    await applyMigrations(scratch.target);
    world.db = createDbClient(scratch.target);
    world.pool = new ParsePool({ size: 1 });
  });
  afterAll(async () => {
    await world.pool.close();
    await world.db.$disconnect();
    await rawMailStoreOf(world.db).close();
    await sqlRunnerOf(world.db).close();
    await scratch.drop();
  });
  return world;
}

export function useScratchSqlite(): ScratchWorld {
  return useScratchDatabase('sqlite');
}
