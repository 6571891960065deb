/**
 * Hot-path writes through the database driver (better-sqlite3, pg) instead of Prisma: a
 * Prisma query through the driver adapter costs ~0.3–0.6 ms here, a prepared better-sqlite3
 * statement a few microseconds, and committing a mail takes about ten statements.
 *
 * A transaction is written once, as a generator that yields statements and is handed back
 * their rows (an "SQL script"), and run by either driver:
 *   - SQLite runs it synchronously inside one `BEGIN IMMEDIATE`: nothing else on the event
 *     loop runs while it holds the write lock, so Prisma's connection (whose busy wait is
 *     synchronous too) is never left waiting on a transaction that cannot finish;
 *   - PostgreSQL runs it statement by statement on one pooled connection.
 * Statements are written with the `sql` tag; values become parameters (`?` or `$n`).
 */
import type Database from 'better-sqlite3';
import pg from 'pg';
import { inPgTransaction, type Driver } from './driver.js';

export interface Statement {
  /** The SQL text around the parameters, as the `sql` tag received it. */
  parts: readonly string[];
  params: unknown[];
}

export type Rows = Record<string, unknown>[];

/** A transaction body: yields statements, receives each one's rows (RETURNING or SELECT). */
export type SqlScript<T> = Generator<Statement, T, Rows>;

/** `sql\`UPDATE "Ticket" SET "status" = ${status} WHERE "id" = ${id}\`` */
export function sql(parts: TemplateStringsArray, ...params: unknown[]): Statement {
  return { parts, params };
}

/** A list of values as one parameter, for `"id" IN ${inList(ids, 'integer')}`. */
export class ValueList {
  constructor(
    readonly values: readonly (string | number)[],
    readonly type: 'integer' | 'text',
  ) {}
}

export function inList(values: readonly (string | number)[], type: 'integer' | 'text'): ValueList {
  return new ValueList(values, type);
}

/** A timestamp as read: SQLite gives the text Prisma wrote, PostgreSQL a Date. */
export function dateOf(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export interface TransactionOptions {
  /**
   * SQLite: write the search index in this transaction, not later (see withSearchIndexDeferred):
   * for the transaction that writes the pending documents themselves.
   */
  indexSearchNow?: boolean;
}

export interface SqlRunner {
  /** Runs the script in one transaction; an error anywhere rolls all of it back. */
  transaction<T>(script: () => SqlScript<T>, options?: TransactionOptions): Promise<T>;
  /** One read outside a transaction. */
  query(statement: Statement): Promise<Rows>;
  /** A script of reads outside a transaction, statement by statement (each sees what is committed). */
  read<T>(script: () => SqlScript<T>): Promise<T>;
}

/** Dates as Prisma's SQLite adapter writes them, so Prisma reads them back alike. */
export function sqliteDate(date: Date): string {
  // A transaction binds the same instant (its `now`) many times: made once (1 µs a call
  // was ~1 % of a backlog's main thread).
  const time = date.getTime();
  if (time !== lastDate.time) lastDate = { time, text: date.toISOString().replace('Z', '+00:00') };
  return lastDate.text;
}
let lastDate = { time: Number.NaN, text: '' };

/** How long a write waits for Prisma's connection to let go of the SQLite write lock. */
const SQLITE_BUSY_GIVE_UP_MS = 15_000;

/**
 * Runs a synchronous SQLite write again while another connection holds the write lock,
 * waiting without blocking the event loop (which that connection needs to finish).
 */
export async function retryWhileBusy<T>(write: () => T): Promise<T> {
  const giveUpAt = Date.now() + SQLITE_BUSY_GIVE_UP_MS;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      return write();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** SQL text with `?` placeholders; a list is read from its JSON text. */
function sqliteText(parts: readonly string[], params: readonly unknown[]): string {
  return parts.reduce(
    (text, part, index) =>
      `${text}${params[index - 1] instanceof ValueList ? '(SELECT value FROM json_each(?))' : '?'}${part}`,
  );
}

function runScript<T>(script: SqlScript<T>, execute: (statement: Statement) => Rows): T {
  for (let step = script.next(); ; ) {
    if (step.done) return step.value;
    step = script.next(execute(step.value));
  }
}

/** better-sqlite3 binds neither booleans nor dates. */
function sqliteParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ValueList) return JSON.stringify(value.values);
  if (value instanceof Date) return sqliteDate(value);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/**
 * A script whose search documents are only noted (migration 20261205120000_search_docs_batched):
 * while the deferral row is there, the triggers put the documents that changed in
 * `search_docs_pending`, committed with the mails, and search-index.ts writes them into the
 * index later, many at a time. FTS5 writes an index segment per transaction (and merges the
 * small ones again): a segment per ingest batch cost the main thread ~0.6 s of a 5,000-mail
 * backlog, most of which a few large segments save. The row never outlives its transaction.
 */
function* withSearchIndexDeferred<T>(script: SqlScript<T>): SqlScript<T> {
  yield sql`INSERT INTO "search_docs_deferral" ("deferred") VALUES (1)`;
  const result = yield* script;
  yield sql`DELETE FROM "search_docs_deferral"`;
  return result;
}

function sqliteRunner(db: Database.Database): SqlRunner {
  // A template's parts are one and the same array at every call of a `sql` tag site.
  const prepared = new WeakMap<readonly string[], Database.Statement>();
  const execute = ({ parts, params }: Statement): Rows => {
    let statement = prepared.get(parts);
    // (A call site passes a list always in the same places, so its text is one too.)
    if (!statement) prepared.set(parts, (statement = db.prepare(sqliteText(parts, params))));
    const values = params.map(sqliteParam);
    if (statement.reader) return statement.all(...values) as Rows;
    statement.run(...values);
    return [];
  };
  return {
    transaction: (script, { indexSearchNow = false } = {}) =>
      retryWhileBusy(() =>
        db
          .transaction(() => runScript(indexSearchNow ? script() : withSearchIndexDeferred(script()), execute))
          .immediate(),
      ),
    query: async (statement) => execute(statement),
    read: async (script) => runScript(script(), execute),
  };
}

function postgresText(parts: readonly string[], params: readonly unknown[]): string {
  return parts.reduce((text, part, index) => {
    const param = params[index - 1];
    return `${text}${param instanceof ValueList ? `(SELECT unnest($${index}::${param.type}[]))` : `$${index}`}${part}`;
  });
}

function postgresParam(value: unknown): unknown {
  // Prisma keeps timestamps (without time zone) as UTC; pg would send a Date in local time.
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ValueList) return value.values;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

const PG_TIMESTAMP_OID = 1114;

/** Timestamps without time zone hold UTC (as Prisma writes them); pg would read local time. */
function utcTimestamps(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === PG_TIMESTAMP_OID) return (value) => new Date(`${value.replace(' ', 'T')}Z`);
  return pg.types.getTypeParser(oid, format as 'text');
}

function postgresRunner(pool: pg.Pool): SqlRunner {
  // The pool is Prisma's too (driver.ts): the timestamp parsing is asked per query.
  const execute = async (client: pg.ClientBase | pg.Pool, { parts, params }: Statement): Promise<Rows> =>
    (
      await client.query({
        text: postgresText(parts, params),
        values: params.map(postgresParam),
        types: { getTypeParser: utcTimestamps },
      })
    ).rows as Rows;
  const run = async <T>(script: SqlScript<T>, client: pg.ClientBase | pg.Pool): Promise<T> => {
    let step = script.next();
    while (!step.done) step = script.next(await execute(client, step.value));
    return step.value;
  };
  return {
    transaction: (script) => inPgTransaction(pool, (client) => run(script(), client)),
    query: (statement) => execute(pool, statement),
    read: (script) => run(script(), pool),
  };
}

/** The runner over the database's driver connection (driver.ts), which it does not own. */
export function sqlRunnerOver(driver: Driver): SqlRunner {
  return driver.provider === 'sqlite' ? sqliteRunner(driver.sqlite) : postgresRunner(driver.pool);
}
