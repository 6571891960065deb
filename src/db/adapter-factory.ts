import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from '../config/database-url.js';
import { openSqliteFile, type Driver } from './driver.js';

/** How long a SQLite writer waits for another writer before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

function sqliteAdapter(file: string): PrismaBetterSqlite3 {
  return new PrismaBetterSqlite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS });
}

/**
 * Prisma's driver adapter for the client: on PostgreSQL over the driver's own pool (closed
 * with the driver, not by Prisma), on SQLite a connection of Prisma's (see driver.ts).
 */
export function clientAdapter(driver: Driver): SqlMigrationAwareDriverAdapterFactory {
  return driver.provider === 'sqlite' ? sqliteAdapter(driver.file) : new PrismaPg(driver.pool);
}

/** Prisma's driver adapter for the migration engine (the SQLite file is made private and WAL first). */
export function migrationAdapter(target: DatabaseTarget): SqlMigrationAwareDriverAdapterFactory {
  if (target.provider === 'sqlite') {
    openSqliteFile(target.file).close();
    return sqliteAdapter(target.file);
  }
  return new PrismaPg(new pg.Pool({ connectionString: target.url, Client: CatalogReadingClient }), {
    disposeExternalPool: true,
  });
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
          callback(error, result && relabelCharColumns(result)),
        );
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
