import { loadConfig, readEnvironment } from '../config/load-config.js';
import type { TAppConfig, TMailboxConfig } from '../config/config-schema.js';
import { parseDatabaseUrl } from '../config/database-url.js';
import { openDbClient, type Db } from '../db/client.js';
import { migrateIfBehind } from '../db/migrate-isolated.js';
import { EXIT } from './exit-codes.js';
import { errorMessage } from '../errors.js';

/**
 * The configuration for a command, or exit 2 with every problem on stderr. Shared by
 * `npm start`, `npm run db:migrate` and `npm run doctor`.
 */
export function readConfigOrExit(): TAppConfig {
  const result = loadConfig(readEnvironment());
  if (result.ok) return result.config;
  process.stderr.write(
    `Mailroom cannot start: the configuration has ${result.problems.length} problem(s).\n` +
      result.problems.map((line) => `  ${line}\n`).join('') +
      'Set these in the environment or in a .env file in this directory (see README.md, "Configuration").\n',
  );
  process.exit(EXIT.badConfig);
}

/** The mailbox `--mailbox KEY` names (without it, the first), or exit 2 naming the configured ones. */
export function mailboxOrExit(config: TAppConfig, key: string | undefined): TMailboxConfig {
  const mailbox = key === undefined ? config.mailboxes[0] : config.mailboxes.find((each) => each.key === key);
  if (mailbox) return mailbox;
  console.error(
    `--mailbox ${key}: no such mailbox; configured: ${config.mailboxes.map((each) => each.key).join(', ')}`,
  );
  process.exit(EXIT.badConfig);
}

/**
 * The database for a command, migrated first as `npm start` does it (migrateIfBehind): the
 * commands of a newer checkout than the running bot work on the schema they were built for.
 * What was applied is said on stderr (stdout may be a CSV or a JSON file).
 */
export async function openMigratedDb(config: TAppConfig): Promise<Db> {
  const target = parseDatabaseUrl(config.databaseUrl)!;
  const applied = await migrateIfBehind(target);
  if (applied.length)
    console.error(`Applied ${applied.length} pending migration(s) to the database first: ${applied.join(', ')}`);
  return openDbClient(target);
}

/** Exit 1 with what went wrong. */
export function failed(error: unknown): never {
  console.error(`failed: ${errorMessage(error).split('\n')[0]}`);
  process.exit(EXIT.failure);
}

/** Writes to standard output and waits until it is out: process.exit would cut a large file short on a pipe. */
export function writeStdout(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}
