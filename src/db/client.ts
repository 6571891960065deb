/**
 * The one database client of the process. Both providers' generated clients have the same
 * models and so the same API for everything Mailroom does; the SQLite client's type stands
 * for both.
 */
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { createAdapterFactory } from './adapter-factory.js';
import type { DatabaseTarget } from './database-url.js';
import { openRawMailStore, type RawMailStore } from './raw-mail-store.js';
import { openSqlRunner, type SqlRunner } from './sql-script.js';

export type Db = SqliteClient;
/** A transaction's client, as `db.$transaction(async (tx) => …)` hands it over. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type { Mailbox, Ticket, Message, Customer, SlackPost, Draft, OutboxMail } from './generated/sqlite/client.js';

const rawStores = new WeakMap<Db, RawMailStore>();
const sqlRunners = new WeakMap<Db, SqlRunner>();
const providers = new WeakMap<Db, DatabaseTarget['provider']>();

/** Which database a client talks to (for the few queries written per provider). */
export function providerOfDb(db: Db): DatabaseTarget['provider'] {
  const provider = providers.get(db);
  if (!provider) throw new Error('not a client made by createDbClient');
  return provider;
}

/** Opens a client on the database; call `closeDbClient()` on shutdown. */
export function createDbClient(target: DatabaseTarget): Db {
  const adapter = createAdapterFactory(target);
  const db = target.provider === 'sqlite' ? new SqliteClient({ adapter }) : (new PostgresClient({ adapter }) as unknown as Db);
  // Raw mail goes through the driver directly (see raw-mail-store.ts); opened on first use.
  let store: RawMailStore | undefined;
  providers.set(db, target.provider);
  rawStores.set(db, {
    storeBatch: (rows) => (store ??= openRawMailStore(target)).storeBatch(rows),
    openRaw: (id, options) => (store ??= openRawMailStore(target)).openRaw(id, options),
    close: async () => store?.close(),
  });
  // The hot-path writes of ingest go through the driver too (see sql-script.ts).
  let runner: SqlRunner | undefined;
  sqlRunners.set(db, {
    transaction: (script) => (runner ??= openSqlRunner(target)).transaction(script),
    query: (statement) => (runner ??= openSqlRunner(target)).query(statement),
    close: async () => runner?.close(),
  });
  return db;
}

/** The raw-mail store that belongs with a client. */
export function rawMailStoreOf(db: Db): RawMailStore {
  const store = rawStores.get(db);
  if (!store) throw new Error('not a client made by createDbClient');
  return store;
}

/** The driver-level SQL runner that belongs with a client. */
export function sqlRunnerOf(db: Db): SqlRunner {
  const runner = sqlRunners.get(db);
  if (!runner) throw new Error('not a client made by createDbClient');
  return runner;
}

/**
 * A client ready for work. On SQLite, synchronous=NORMAL (safe in WAL mode: a power cut can
 * lose the last commits but never corrupts): every commit that could be lost this way is
 * redone, because the IMAP cursor is committed together with the mail it passed, and a
 * post's state together with its effect.
 */
export async function openDbClient(target: DatabaseTarget): Promise<Db> {
  const db = createDbClient(target);
  if (target.provider === 'sqlite') await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  return db;
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: Db): Promise<boolean> {
  try {
    await db.$queryRawUnsafe('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes everything a client opened: Prisma's connections and the driver connections of
 * its raw-mail store and SQL runner (a SQLite connection left open keeps its file locked,
 * a pg one keeps its database from being dropped).
 */
export async function closeDbClient(db: Db): Promise<void> {
  await db.$disconnect();
  await rawMailStoreOf(db).close();
  await sqlRunnerOf(db).close();
}
