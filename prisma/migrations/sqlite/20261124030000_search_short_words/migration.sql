-- Words of one or two characters through the trigram index (src/services/search/).
--
-- A ticket contains a 1- or 2-character word exactly when its index row holds a trigram
-- that begins with the word. FTS5's vocabulary lists the trigrams in order, so the ones
-- beginning with the word are a range look-up in `search_index_vocab`, and OR-ed into one
-- MATCH they find the tickets without reading every row. For the last characters of a
-- text to begin a trigram too, every indexed text now ends in two line breaks (on
-- PostgreSQL as well, so both databases hold the same text and match the same).
CREATE VIRTUAL TABLE "search_index_vocab" USING fts5vocab('search_index', 'row');

-- The view the triggers read; they find it by name when they run, so they stay as they are.
DROP VIEW "search_index_source";
CREATE VIEW "search_index_source" AS
SELECT t."id" AS "id",
  lower(t."subject" || char(10) || coalesce((SELECT group_concat(coalesce(m."subject", '') || char(10) || substr(coalesce(m."text", ''), 1, 20000), char(10)) FROM "Message" m WHERE m."ticketId" = t."id"), '')) || char(10, 10) AS "body",
  lower(coalesce((SELECT group_concat(c."text", char(10)) FROM "Comment" c WHERE c."ticketId" = t."id" AND c."deletedAt" IS NULL), '')) || char(10, 10) AS "comments"
FROM "Ticket" t;

DROP TRIGGER "search_index_ticket_insert";
CREATE TRIGGER "search_index_ticket_insert" AFTER INSERT ON "Ticket" BEGIN
  INSERT INTO "search_index" ("rowid", "body", "comments") VALUES (NEW."id", lower(NEW."subject" || char(10)) || char(10, 10), char(10, 10));
END;

DELETE FROM "search_index";
INSERT INTO "search_index" ("rowid", "body", "comments") SELECT "id", "body", "comments" FROM "search_index_source";
