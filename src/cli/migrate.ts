/** `npm run db:migrate`: applies pending migrations and exits. */
import { readConfigOrExit } from './read-config.js';
import { EXIT } from './exit-codes.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../config/database-url.js';
import { applyMigrations } from '../db/migrations.js';
import { errorMessage } from '../errors.js';

const config = readConfigOrExit();
const target = parseDatabaseUrl(config.databaseUrl)!;
try {
  const applied = await applyMigrations(target);
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${redactDatabaseUrl(target.url)}: ${applied.join(', ')}`
      : `${redactDatabaseUrl(target.url)} is up to date; nothing to apply.`,
  );
  process.exit(EXIT.ok);
} catch (error) {
  console.error(`Migrating ${redactDatabaseUrl(target.url)} failed: ${errorMessage(error).split('\n')[0]}`);
  process.exit(EXIT.failure);
}
