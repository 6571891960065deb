/**
 * SQLite's search index, brought up to date with what the mail ingest committed. The ingest's
 * transactions only note the documents they changed (`search_docs_pending`, see
 * withSearchIndexDeferred in sql-script.ts); they are written into the index here, a chunk
 * per transaction: by the ingest queue while it waits for mail to be parsed and when it has
 * nothing left to do (ingest-queue.ts), and by a search before it looks (so a search always
 * finds every committed mail). Everything else (Prisma's writes: comments, edits, deletions) indexes at
 * once, as before. PostgreSQL indexes at once always (a trigram index the server keeps).
 */
import { providerOfDb, sqlRunnerOf, type Db } from './client.js';
import { sql, type SqlScript } from './sql-script.js';

/**
 * Documents written into the index per transaction: large enough that FTS5 writes few
 * segments, small enough that the event loop is held for no more than ~0.1 s.
 */
export const SEARCH_INDEX_CHUNK = 1000;

/** Writes up to `limit` pending documents into the index; returns how many are still pending. */
function* indexPending(limit: number): SqlScript<number> {
  const [row] = yield sql`SELECT count(*) AS "n" FROM "search_docs_pending"`;
  const pending = Number(row?.n ?? 0);
  if (pending === 0) return 0;
  // The same rows in both statements: the order is the key's, and nothing else writes meanwhile.
  yield sql`INSERT INTO "search_docs_refresh"
    SELECT "kind", "doc_id" FROM "search_docs_pending" ORDER BY "kind", "doc_id" LIMIT ${limit}`;
  yield sql`DELETE FROM "search_docs_pending" WHERE ("kind", "doc_id") IN
    (SELECT "kind", "doc_id" FROM "search_docs_pending" ORDER BY "kind", "doc_id" LIMIT ${limit})`;
  return Math.max(0, pending - limit);
}

/** One chunk of the pending documents into the index; how many are left (0 on PostgreSQL). */
export async function indexPendingSearchDocs(db: Db, limit = SEARCH_INDEX_CHUNK): Promise<number> {
  if (providerOfDb(db) !== 'sqlite') return 0;
  return sqlRunnerOf(db).transaction(() => indexPending(limit), { indexSearchNow: true });
}

/**
 * Every pending document into the index, a chunk at a time, letting the event loop run in
 * between (Slack's interactions wait for no index). `more()` false stops early, once at least
 * one chunk is written (so the index always moves on).
 */
export async function indexAllPendingSearchDocs(db: Db, more: () => boolean = () => true): Promise<void> {
  while ((await indexPendingSearchDocs(db)) > 0 && more()) await new Promise((resolve) => setImmediate(resolve));
}
