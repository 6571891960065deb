import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from './database-url.js';
import { ensurePrivateSqliteFile } from './private-file.js';

/** How long a SQLite writer waits for another writer before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * The Prisma driver adapter factory for a database, used by both the client and the
 * migration engine. For SQLite the directory is created and WAL turned on first: WAL lets
 * Slack interactions read while the mail sync writes, and the setting is stored in the
 * file, so every later connection has it.
 */
export function createAdapterFactory(
  target: DatabaseTarget,
  purpose: 'client' | 'migrations' = 'client',
): SqlMigrationAwareDriverAdapterFactory {
  if (target.provider === 'sqlite') {
    ensurePrivateSqliteFile(target.file);
    const db = new Database(target.file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    return new PrismaBetterSqlite3({ url: target.file, timeout: SQLITE_BUSY_TIMEOUT_MS });
  }
  if (purpose === 'migrations') {
    return new PrismaPg(new pg.Pool({ connectionString: target.url, Client: CatalogReadingClient }), {
      disposeExternalPool: true,
    });
  }
  return new PrismaPg({ connectionString: target.url });
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * A pg client for the migration engine. The engine reads PostgreSQL's catalog, whose
 * one-byte `"char"` columns (pg_class.relkind and the like) the Prisma pg adapter cannot
 * map ("Column type 'char' could not be deserialized"). pg already returns their values
 * as strings, so we label those columns as text.
 */
class CatalogReadingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    // Replaced per instance rather than overridden: pg's overloads of query() cannot be
    // restated in a subclass, and only the results need changing.
    (this as { query: unknown }).query = (...args: unknown[]) => {
      const last = args.at(-1);
      // pg.Pool calls with a callback; a checked-out client (transactions) uses the promise.
      if (typeof last === 'function') {
        const callback = last as (error: Error | null, result?: pg.QueryResult) => void;
        return query(...args.slice(0, -1), (error: Error | null, result?: pg.QueryResult) =>
          callback(error, result && relabelCharColumns(result)));
      }
      const pending = query(...args);
      return pending instanceof Promise ? pending.then(relabelCharColumns) : pending;
    };
  }
}

function relabelCharColumns(result: pg.QueryResult): pg.QueryResult {
  for (const field of result.fields ?? []) {
    if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}
