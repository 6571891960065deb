import { loadConfig, readEnvironment } from '../config/load-config.js';
import type { TAppConfig, TMailboxConfig } from '../config/config-schema.js';
import { parseDatabaseUrl } from '../config/database-url.js';
import { openDbClient, type Db } from '../db/client.js';
import { applyMigrations } from '../db/migrations.js';
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

/** The database for a command, migrated first as `npm start` would. */
export async function openMigratedDb(config: TAppConfig): Promise<Db> {
  const target = parseDatabaseUrl(config.databaseUrl)!;
  await applyMigrations(target);
  return openDbClient(target);
}

/**
 * The database for a command an admin runs beside the bot (forget, export-customer),
 * opened as it is: the running bot migrated it, and a migration run now would wait on the
 * bot's writes to a SQLite file. A database not migrated yet is said so by `failed`.
 */
export async function openRunningDb(config: TAppConfig): Promise<Db> {
  return openDbClient(parseDatabaseUrl(config.databaseUrl)!);
}

/** Exit 1 with what went wrong, and the likely fix. */
export function failed(error: unknown): never {
  console.error(
    `failed: ${errorMessage(error).split('\n')[0]}\n(Is the database migrated? \`npm start\` or \`npm run db:migrate\` does it.)`,
  );
  process.exit(EXIT.failure);
}

/** Writes to standard output and waits until it is out: process.exit would cut a large file short on a pipe. */
export function writeStdout(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}
