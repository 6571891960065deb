/**
 * The one database client of the process. Both providers' generated clients have the same
 * models and so the same API for everything Mailroom does; the SQLite client's type stands
 * for both.
 */
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { clientAdapter } from './adapter-factory.js';
import type { DatabaseTarget } from '../config/database-url.js';
import { closeDriver, CONNECTION_PRAGMAS, openDriver, type Driver } from './driver.js';
import { rawMailStoreOver, type RawMailStore } from './raw-mail-store.js';
import { sqlRunnerOver, type SqlRunner } from './sql-script.js';
import { compileWasmLean } from '../util/lean-wasm.js';

export type Db = SqliteClient;
/** A transaction's client, as `db.$transaction(async (tx) => …)` hands it over. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type { Mailbox, Ticket, Message, Customer, SlackPost, Draft, OutboxMail } from './generated/sqlite/client.js';

/** What a client opened beside Prisma: its driver connection and what runs over it. */
interface Beside {
  driver: Driver;
  rawMailStore: RawMailStore;
  sqlRunner: SqlRunner;
}

const beside = new WeakMap<Db, Beside>();

function besideOf(db: Db): Beside {
  const found = beside.get(db);
  if (!found) throw new Error('not a client made by createDbClient');
  return found;
}

/** Which database a client talks to (for the few queries written per provider). */
export function providerOfDb(db: Db): DatabaseTarget['provider'] {
  return besideOf(db).driver.provider;
}

/**
 * Opens a client on the database: Prisma, and the driver connection that hand-written SQL
 * and raw mail go through (driver.ts); call `closeDbClient()` on shutdown.
 */
export function createDbClient(target: DatabaseTarget): Db {
  compileWasmLean();
  const driver = openDriver(target);
  const adapter = clientAdapter(driver);
  const db =
    target.provider === 'sqlite' ? new SqliteClient({ adapter }) : (new PostgresClient({ adapter }) as unknown as Db);
  beside.set(db, { driver, rawMailStore: rawMailStoreOver(driver), sqlRunner: sqlRunnerOver(driver) });
  return db;
}

/** The raw-mail store that belongs with a client (raw-mail-store.ts). */
export function rawMailStoreOf(db: Db): RawMailStore {
  return besideOf(db).rawMailStore;
}

/** The driver-level SQL runner that belongs with a client (sql-script.ts). */
export function sqlRunnerOf(db: Db): SqlRunner {
  return besideOf(db).sqlRunner;
}

/**
 * A client ready for work. On SQLite, synchronous=NORMAL (safe in WAL mode: a power cut can
 * lose the last commits but never corrupts): every commit that could be lost this way is
 * redone, because the IMAP cursor is committed together with the mail it passed, and a
 * post's state together with its effect. Prisma's connection is set as the driver's is
 * (CONNECTION_PRAGMAS in driver.ts).
 */
export async function openDbClient(target: DatabaseTarget): Promise<Db> {
  const db = createDbClient(target);
  if (target.provider === 'sqlite')
    for (const pragma of CONNECTION_PRAGMAS) await db.$executeRawUnsafe(`PRAGMA ${pragma}`);
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
 * Closes everything a client opened: Prisma's connection and the driver connection (a
 * SQLite connection left open keeps its file locked, a pg one keeps its database from
 * being dropped).
 */
export async function closeDbClient(db: Db): Promise<void> {
  await db.$disconnect();
  await closeDriver(besideOf(db).driver);
}
