/**
 * A migrated scratch database (SQLite file, or a database on a PostgreSQL server) and a
 * parse pool for the tests of a file: made before them, removed after. `world.db` and
 * `world.pool` are usable inside tests and hooks.
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { closeDbClient, createDbClient, type Db } from '../../src/db/client.js';
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
    await closeDbClient(world.db);
    if (provider === 'postgresql') await connectionsClosed(scratch.url);
    await scratch.drop();
  });
  return world;
}

/**
 * A pg pool's end() resolves before its connections are gone; dropping the database
 * meanwhile kills them, and pg reports that as an error nobody listens to.
 */
async function connectionsClosed(url: string): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (let tries = 0; tries < 100; tries += 1) {
      const { rows } = await admin.query<{ others: number }>(
        'SELECT count(*)::int AS others FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
      if (rows[0]!.others === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.end();
  }
}

export function useScratchSqlite(): ScratchWorld {
  return useScratchDatabase('sqlite');
}
