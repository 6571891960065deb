/** A fresh database of either provider with every migration applied, and its client. */
import { closeDbClient, createDbClient, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';

export interface MigratedDatabase {
  db: Db;
  /** The database's URL (a file: URL on SQLite). */
  url: string;
  /** Disconnects and removes the database. */
  drop(): Promise<void>;
}

export async function migratedDatabase(provider: DatabaseProvider, adminUrl?: string): Promise<MigratedDatabase> {
  const scratch = await createScratchDatabase(provider, adminUrl);
  await applyMigrations(scratch.target);
  const db = createDbClient(scratch.target);
  return {
    db,
    url: scratch.target.url,
    drop: async () => {
      await closeDbClient(db);
      await scratch.drop();
    },
  };
}
