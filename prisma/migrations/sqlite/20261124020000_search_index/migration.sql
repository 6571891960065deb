-- Full-text search index (src/services/search/): one row per ticket, rowid = Ticket.id.
-- `body` holds the ticket's subject and every mail's subject and text (each cut at 20,000
-- characters); `comments` the thread comments not deleted. Both lower-cased in ASCII only
-- (SQLite's lower()), as on PostgreSQL, so both match the same. Kept current by the triggers
-- below, so every writer (sync, import, outbox, Slack events) is covered. Prisma does not
-- manage this table (src/db/migrations.ts lists it as external).
CREATE VIRTUAL TABLE "search_index" USING fts5("body", "comments", tokenize = 'trigram case_sensitive 1');

-- What a ticket's index row holds, worked out from its mails and comments.
CREATE VIEW "search_index_source" AS
SELECT t."id" AS "id",
  lower(t."subject" || char(10) || coalesce((SELECT group_concat(coalesce(m."subject", '') || char(10) || substr(coalesce(m."text", ''), 1, 20000), char(10)) FROM "Message" m WHERE m."ticketId" = t."id"), '')) AS "body",
  lower(coalesce((SELECT group_concat(c."text", char(10)) FROM "Comment" c WHERE c."ticketId" = t."id" AND c."deletedAt" IS NULL), '')) AS "comments"
FROM "Ticket" t;

INSERT INTO "search_index" ("rowid", "body", "comments") SELECT "id", "body", "comments" FROM "search_index_source";

CREATE TRIGGER "search_index_ticket_insert" AFTER INSERT ON "Ticket" BEGIN
  INSERT INTO "search_index" ("rowid", "body", "comments") VALUES (NEW."id", lower(NEW."subject"), '');
END;

CREATE TRIGGER "search_index_ticket_subject" AFTER UPDATE OF "subject" ON "Ticket" BEGIN
  DELETE FROM "search_index" WHERE "rowid" = NEW."id";
  INSERT INTO "search_index" ("rowid", "body", "comments")
  SELECT "id", "body", "comments" FROM "search_index_source" WHERE "id" = NEW."id";
END;

CREATE TRIGGER "search_index_message_insert" AFTER INSERT ON "Message" WHEN NEW."ticketId" IS NOT NULL BEGIN
  DELETE FROM "search_index" WHERE "rowid" = NEW."ticketId";
  INSERT INTO "search_index" ("rowid", "body", "comments")
  SELECT "id", "body", "comments" FROM "search_index_source" WHERE "id" = NEW."ticketId";
END;

CREATE TRIGGER "search_index_message_update" AFTER UPDATE OF "ticketId", "subject", "text" ON "Message" BEGIN
  DELETE FROM "search_index" WHERE "rowid" IN (NEW."ticketId", OLD."ticketId");
  INSERT INTO "search_index" ("rowid", "body", "comments")
  SELECT "id", "body", "comments" FROM "search_index_source" WHERE "id" IN (NEW."ticketId", OLD."ticketId");
END;

CREATE TRIGGER "search_index_comment_insert" AFTER INSERT ON "Comment" BEGIN
  DELETE FROM "search_index" WHERE "rowid" = NEW."ticketId";
  INSERT INTO "search_index" ("rowid", "body", "comments")
  SELECT "id", "body", "comments" FROM "search_index_source" WHERE "id" = NEW."ticketId";
END;

CREATE TRIGGER "search_index_comment_update" AFTER UPDATE OF "text", "deletedAt", "ticketId" ON "Comment" BEGIN
  DELETE FROM "search_index" WHERE "rowid" IN (NEW."ticketId", OLD."ticketId");
  INSERT INTO "search_index" ("rowid", "body", "comments")
  SELECT "id", "body", "comments" FROM "search_index_source" WHERE "id" IN (NEW."ticketId", OLD."ticketId");
END;

CREATE TRIGGER "search_index_ticket_delete" AFTER DELETE ON "Ticket" BEGIN
  DELETE FROM "search_index" WHERE "rowid" = OLD."id";
END;
