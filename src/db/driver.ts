/**
 * The driver connection of a database that Mailroom's hand-written SQL goes through: the
 * ingest commit and other `sql` scripts (sql-script.ts) and the raw-mail part store
 * (raw-mail-store.ts). Prisma shares it on PostgreSQL (one pool per database). On SQLite
 * Prisma keeps a connection of its own: its interactive transactions hold their connection
 * across awaits, and a synchronous script run on that same connection in between would
 * land inside them; two connections let SQLite's locking keep them apart.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from '../config/database-url.js';

export type Driver =
  | { provider: 'sqlite'; file: string; sqlite: Database.Database }
  | { provider: 'postgresql'; pool: pg.Pool };

/**
 * The SQLite file holds every customer's mail: it is created readable by its owner alone
 * (0600, in a 0700 directory when Mailroom makes the directory). SQLite gives its -wal and
 * -shm files the database file's permissions, so they are private too.
 */
function ensurePrivateSqliteFile(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
}

/**
 * A commit checkpoints SQLite's write-ahead log (copies it into the file and syncs both) once
 * it passes this many pages: 8 MiB, not SQLite's 4 MiB. In a backlog the checkpoints were
 * every ~40th commit, on the main thread; at 8 MiB there are half as many and a page written
 * again meanwhile is copied once: 5,000 mails went at 1,290–1,320 mails/s against 1,100–1,180
 * (bench/backlog-throughput.ts). Not larger: at 40 MiB the bot's peak while a 25 MB attachment
 * went through rose by ~10 MiB (bench/attachment-rss.ts: 209–219 MiB against 199–206), and a
 * thread of its own for the checkpoints was no faster than this (1,252–1,322 against 1,290–1,319).
 */
const CHECKPOINT_PAGES = 2_000;

/**
 * Statement journals (and temporary tables) in memory, not in temporary files: inside a
 * transaction SQLite journals the pages each statement changes, so that the statement alone
 * can be undone, and past 64 KiB (one mail's row with its source) the journal went to a file:
 * a write per page. Commits of a backlog spent a third of their statements' time there
 * (perf: `subjournalPageIfRequired` → `pwrite`); in memory the ticket's insert and the mail's
 * update took half as long (bench/backlog-throughput.ts). A statement's journal is as large as
 * the pages it changes: a mail's row (its first MiB of source at most) and its documents.
 */
const TEMP_STORE = 'MEMORY';

/**
 * What every connection to the SQLite file is set to (the driver's here, Prisma's in client.ts):
 * synchronous=NORMAL (see openSqliteFile), checkpoints and statement journals as above.
 */
export const CONNECTION_PRAGMAS = [
  'synchronous = NORMAL',
  `wal_autocheckpoint = ${CHECKPOINT_PAGES}`,
  `temp_store = ${TEMP_STORE}`,
];

/**
 * A connection to the SQLite file, made private first, in WAL mode: WAL lets Slack
 * interactions read while the mail sync writes, and the setting is stored in the file, so
 * every later connection (Prisma's too) has it. synchronous=NORMAL is safe in WAL mode (a
 * power cut can lose the last commits but never corrupts): every commit that could be lost
 * this way is redone, because the IMAP cursor is committed together with the mail it
 * passed, and a post's state together with its effect. No busy timeout: better-sqlite3
 * would wait synchronously (see retryWhileBusy in sql-script.ts).
 */
export function openSqliteFile(file: string): Database.Database {
  ensurePrivateSqliteFile(file);
  const sqlite = new Database(file, { timeout: 0 });
  sqlite.pragma('journal_mode = WAL');
  for (const pragma of CONNECTION_PRAGMAS) sqlite.pragma(pragma);
  return sqlite;
}

export function openDriver(target: DatabaseTarget): Driver {
  if (target.provider === 'sqlite')
    return { provider: 'sqlite', file: target.file, sqlite: openSqliteFile(target.file) };
  const pool = new pg.Pool({ connectionString: target.url });
  // An idle connection the server dropped is replaced by the next query; unheard, pg's
  // 'error' event would end the process.
  pool.on('error', () => {});
  return { provider: 'postgresql', pool };
}

export async function closeDriver(driver: Driver): Promise<void> {
  if (driver.provider === 'sqlite') driver.sqlite.close();
  else if (!driver.pool.ended) await driver.pool.end();
}

/** Runs `work` on one connection of the pool inside BEGIN … COMMIT, rolled back if it throws. */
export async function inPgTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
