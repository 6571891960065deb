-- A transaction that writes many documents writes the search index once, at its end.
--
-- FTS5 writes what it has pending to a new index segment at every savepoint, and SQLite
-- opens one (a statement journal) for most writes inside a transaction once an FTS5 table
-- has been written in it: a batch of 25 mails wrote ~10 small segments per mail and merged
-- them again, and the commit's statements spent most of their time there (BENCHMARKS.md,
-- "Backlog throughput"). While `search_docs_deferral` holds a row, a document to refresh is
-- only noted in `search_docs_pending`; the driver's transactions (src/db/sql-script.ts) put
-- the row in first and, before they commit, take it out and refresh every noted document in
-- one statement. The row never outlives its transaction: it is written inside it, and a
-- rollback takes it away; every other writer (Prisma, an admin's sqlite3) refreshes at once
-- as before.
CREATE TABLE "search_docs_deferral" ("deferred" INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE "search_docs_pending" (
    "kind" TEXT NOT NULL,
    "doc_id" INTEGER NOT NULL,
    PRIMARY KEY ("kind", "doc_id")
) WITHOUT ROWID;

DROP TRIGGER "search_docs_refresh_write";
CREATE TRIGGER "search_docs_refresh_write" INSTEAD OF INSERT ON "search_docs_refresh"
WHEN NOT EXISTS (SELECT 1 FROM "search_docs_deferral") BEGIN
  DELETE FROM "search_docs" WHERE "kind" = NEW."kind" AND "doc_id" = NEW."doc_id";
  INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body") SELECT "ticket_id", "kind", "doc_id", "body" FROM "search_docs_source" WHERE "kind" = NEW."kind" AND "doc_id" = NEW."doc_id";
END;
CREATE TRIGGER "search_docs_refresh_defer" INSTEAD OF INSERT ON "search_docs_refresh"
WHEN EXISTS (SELECT 1 FROM "search_docs_deferral") BEGIN
  INSERT OR IGNORE INTO "search_docs_pending" ("kind", "doc_id") VALUES (NEW."kind", NEW."doc_id");
END;
