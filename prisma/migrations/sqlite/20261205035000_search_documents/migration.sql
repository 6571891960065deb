-- Search index per document instead of per ticket (src/services/search/).
--
-- `search_index` held one row per ticket, rebuilt from all of its mails by the triggers
-- whenever a mail or comment came: the 240th 20 KB mail of a ticket took ~200 ms to commit
-- on SQLite, ~750 ms on PostgreSQL (bench/flood-one-ticket.ts, BENCHMARKS.md).
-- Now `search_docs` holds one row per document — a ticket's subject ('t'), a mail's
-- subject and text cut at 20,000 characters ('m'), a live comment ('c') — with its ticket
-- id, so a new mail writes its own row alone. The texts are as `search_index` held them:
-- lower-cased in ASCII only (SQLite's lower(), as on PostgreSQL) and ending in two line
-- breaks (so that the last characters begin a trigram of the vocabulary too).
--
-- `search_docs_fts` is an FTS5 trigram index over the rows (external content: the text is
-- kept once, in `search_docs`), `search_docs_vocab` its vocabulary, which finds the
-- documents holding a word of one or two characters (20261124030000_search_short_words
-- says how). The index on ticket id lets the search check a word in one ticket's documents
-- and pick the document a result's snippet comes from. Prisma does not manage these
-- tables (src/db/migrations.ts lists them as external).
DROP TRIGGER "search_index_ticket_insert";
DROP TRIGGER "search_index_ticket_subject";
DROP TRIGGER "search_index_ticket_delete";
DROP TRIGGER "search_index_message_insert";
DROP TRIGGER "search_index_message_update";
DROP TRIGGER "search_index_comment_insert";
DROP TRIGGER "search_index_comment_update";
DROP VIEW "search_index_source";
DROP TABLE "search_index_vocab";
DROP TABLE "search_index";

CREATE TABLE "search_docs" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "ticket_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "doc_id" INTEGER NOT NULL,
    "body" TEXT NOT NULL
);
CREATE UNIQUE INDEX "search_docs_doc" ON "search_docs" ("kind", "doc_id");
CREATE INDEX "search_docs_ticket" ON "search_docs" ("ticket_id", "kind", "doc_id");
-- The ticket and kind of each document the trigram index finds, read without the row: a
-- row holds the text, ~a page of it, so reading them through the table read a page per
-- document (50 ms for a word in 40,000 documents, 13 ms through this index). The search
-- names it (INDEXED BY): SQLite always prefers the table for a look-up by id.
CREATE INDEX "search_docs_id_ticket" ON "search_docs" ("id", "ticket_id", "kind");

CREATE VIRTUAL TABLE "search_docs_fts" USING fts5("body", content = 'search_docs', content_rowid = 'id', tokenize = 'trigram case_sensitive 1');
CREATE VIRTUAL TABLE "search_docs_vocab" USING fts5vocab('search_docs_fts', 'row');

-- An external-content FTS5 table is told of every change to its rows.
CREATE TRIGGER "search_docs_fts_insert" AFTER INSERT ON "search_docs" BEGIN
  INSERT INTO "search_docs_fts" ("rowid", "body") VALUES (NEW."id", NEW."body");
END;
CREATE TRIGGER "search_docs_fts_delete" AFTER DELETE ON "search_docs" BEGIN
  INSERT INTO "search_docs_fts" ("search_docs_fts", "rowid", "body") VALUES ('delete', OLD."id", OLD."body");
END;
CREATE TRIGGER "search_docs_fts_update" AFTER UPDATE ON "search_docs" BEGIN
  INSERT INTO "search_docs_fts" ("search_docs_fts", "rowid", "body") VALUES ('delete', OLD."id", OLD."body");
  INSERT INTO "search_docs_fts" ("rowid", "body") VALUES (NEW."id", NEW."body");
END;

-- Every document and what its row holds; a mail of no ticket yet and a deleted comment
-- have none. The triggers read one document from it (SQLite pushes their WHERE into each
-- branch: a look-up by primary key, whatever the size of the tables).
CREATE VIEW "search_docs_source" AS
SELECT "id" AS "ticket_id", 't' AS "kind", "id" AS "doc_id", lower("subject") || char(10, 10) AS "body" FROM "Ticket"
UNION ALL
SELECT "ticketId", 'm', "id", lower(coalesce("subject", '') || char(10) || substr(coalesce("text", ''), 1, 20000)) || char(10, 10) FROM "Message" WHERE "ticketId" IS NOT NULL
UNION ALL
SELECT "ticketId", 'c', "id", lower("text") || char(10, 10) FROM "Comment" WHERE "deletedAt" IS NULL;

INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body") SELECT "ticket_id", "kind", "doc_id", "body" FROM "search_docs_source";

-- Inserting (kind, doc_id) here writes that document's row again from `search_docs_source`
-- (or removes it, when the source has none): the one place the triggers below go through.
CREATE VIEW "search_docs_refresh" AS SELECT "kind", "doc_id" FROM "search_docs" WHERE false;
CREATE TRIGGER "search_docs_refresh_write" INSTEAD OF INSERT ON "search_docs_refresh" BEGIN
  DELETE FROM "search_docs" WHERE "kind" = NEW."kind" AND "doc_id" = NEW."doc_id";
  INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body") SELECT "ticket_id", "kind", "doc_id", "body" FROM "search_docs_source" WHERE "kind" = NEW."kind" AND "doc_id" = NEW."doc_id";
END;

-- A write of an indexed column replaces the document's row (the writers set them only to
-- change them: a mail's fields once, when its ticket is known, a comment's text on an
-- edit, its deletedAt when deleted in Slack). A moved mail goes with its new ticket id.
CREATE TRIGGER "search_docs_ticket_insert" AFTER INSERT ON "Ticket" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('t', NEW."id");
END;
CREATE TRIGGER "search_docs_ticket_subject" AFTER UPDATE OF "subject" ON "Ticket" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('t', NEW."id");
END;
CREATE TRIGGER "search_docs_ticket_delete" AFTER DELETE ON "Ticket" BEGIN
  DELETE FROM "search_docs" WHERE "ticket_id" = OLD."id";
END;

CREATE TRIGGER "search_docs_message_insert" AFTER INSERT ON "Message" WHEN NEW."ticketId" IS NOT NULL BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('m', NEW."id");
END;
CREATE TRIGGER "search_docs_message_update" AFTER UPDATE OF "ticketId", "subject", "text" ON "Message" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('m', NEW."id");
END;
CREATE TRIGGER "search_docs_message_delete" AFTER DELETE ON "Message" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('m', OLD."id");
END;

CREATE TRIGGER "search_docs_comment_insert" AFTER INSERT ON "Comment" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('c', NEW."id");
END;
CREATE TRIGGER "search_docs_comment_update" AFTER UPDATE OF "ticketId", "text", "deletedAt" ON "Comment" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('c', NEW."id");
END;
CREATE TRIGGER "search_docs_comment_delete" AFTER DELETE ON "Comment" BEGIN
  INSERT INTO "search_docs_refresh" VALUES ('c', OLD."id");
END;
