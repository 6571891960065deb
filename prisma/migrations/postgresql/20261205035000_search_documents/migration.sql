-- Search index per document instead of per ticket (src/services/search/).
--
-- `search_index` held one row per ticket, rebuilt from all of its mails by the triggers
-- whenever a mail or comment came: the 240th 20 KB mail of a ticket took ~200 ms to commit
-- on SQLite, ~750 ms on PostgreSQL (bench/flood-one-ticket.ts, BENCHMARKS.md).
-- Now `search_docs` holds one row per document — a ticket's subject ('t'), a mail's
-- subject and text cut at 20,000 characters ('m'), a live comment ('c'), the documents of
-- `search_grams` — with its ticket id, so a new mail writes its own rows alone. The texts
-- are as `search_index` held them: lower-cased in A–Z only (as SQLite's lower() does) and
-- ending in two line breaks, so both databases hold the same text and match the same. A
-- trigram GIN index serves LIKE '%…%', and the index on ticket id lets the search check a word
-- in one ticket's documents and pick the document a result's snippet comes from. Prisma
-- does not manage this table (src/db/migrations.ts lists it as external).
--
-- One function writes both of a document's rows, `search_docs` and `search_grams`, from
-- triggers that replace those of the `search_grams` migration.
--
-- The function bodies are U&'' strings with \003B for each semicolon: the driver adapter
-- that runs migrations splits the script at every semicolon, dollar quotes included.
DROP TRIGGER "search_index_ticket" ON "Ticket";
DROP TRIGGER "search_index_message" ON "Message";
DROP TRIGGER "search_index_comment" ON "Comment";
DROP FUNCTION "search_index_on_ticket"();
DROP FUNCTION "search_index_on_child"();
DROP FUNCTION "search_index_refresh"(INTEGER);
DROP TABLE "search_index";

DROP TRIGGER "search_grams_ticket" ON "Ticket";
DROP TRIGGER "search_grams_message" ON "Message";
DROP TRIGGER "search_grams_message_delete" ON "Message";
DROP TRIGGER "search_grams_comment" ON "Comment";
DROP TRIGGER "search_grams_comment_delete" ON "Comment";
DROP FUNCTION "search_grams_on_ticket"();
DROP FUNCTION "search_grams_on_message"();
DROP FUNCTION "search_grams_on_comment"();
DROP FUNCTION "search_grams_on_delete"();

CREATE TABLE "search_docs" (
    "ticket_id" INTEGER NOT NULL REFERENCES "Ticket"("id") ON DELETE CASCADE,
    "kind" "char" NOT NULL,
    "doc_id" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    PRIMARY KEY ("kind", "doc_id")
);
CREATE INDEX "search_docs_ticket" ON "search_docs" ("ticket_id", "kind", "doc_id");
CREATE INDEX "search_docs_body_trgm" ON "search_docs" USING gin ("body" gin_trgm_ops);

-- What `search_docs` holds of a document's text.
CREATE FUNCTION "search_docs_text"(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS U&'
  SELECT translate(t, ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz'') || chr(10) || chr(10)
';

-- Writes a document's rows, replacing what it had. A document of no ticket (a mail not yet
-- threaded, a deleted comment) has none.
CREATE FUNCTION "search_docs_put"(k "char", doc INTEGER, tid INTEGER, body TEXT) RETURNS void LANGUAGE plpgsql AS U&'
BEGIN
  IF tid IS NULL OR body IS NULL THEN
    DELETE FROM "search_docs" WHERE "kind" = k AND "doc_id" = doc\003B
  ELSE
    INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body") VALUES (tid, k, doc, "search_docs_text"(body))
    ON CONFLICT ("kind", "doc_id") DO UPDATE SET "ticket_id" = EXCLUDED."ticket_id", "body" = EXCLUDED."body"\003B
  END IF\003B
  PERFORM "search_grams_put"(k, doc, tid, body)\003B
END\003B
';

-- The document texts, before folding: as `search_grams` had them.
CREATE FUNCTION "search_docs_on_ticket"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_docs_put"(''t'', NEW."id", NEW."id", NEW."subject")\003B
  RETURN NULL\003B
END\003B
';

CREATE FUNCTION "search_docs_on_message"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_docs_put"(''m'', NEW."id", NEW."ticketId", coalesce(NEW."subject", '''') || chr(10) || substr(coalesce(NEW."text", ''''), 1, 20000))\003B
  RETURN NULL\003B
END\003B
';

CREATE FUNCTION "search_docs_on_comment"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_docs_put"(''c'', NEW."id", CASE WHEN NEW."deletedAt" IS NULL THEN NEW."ticketId" END, NEW."text")\003B
  RETURN NULL\003B
END\003B
';

-- A mail or comment deleted (the trigger's argument says which kind): its rows go.
CREATE FUNCTION "search_docs_on_delete"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_docs_put"(TG_ARGV[0]::"char", OLD."id", NULL, NULL)\003B
  RETURN NULL\003B
END\003B
';

-- Every write of an indexed column replaces the document's rows (the writers set them only
-- to change them: a mail's fields once, when its ticket is known, a comment's text on an
-- edit, its deletedAt when deleted in Slack). A moved mail goes with its new ticket id. A
-- ticket's rows go with it (ON DELETE CASCADE).
CREATE TRIGGER "search_docs_ticket" AFTER INSERT OR UPDATE OF "subject" ON "Ticket"
  FOR EACH ROW EXECUTE FUNCTION "search_docs_on_ticket"();
CREATE TRIGGER "search_docs_message" AFTER INSERT OR UPDATE OF "ticketId", "subject", "text" ON "Message"
  FOR EACH ROW EXECUTE FUNCTION "search_docs_on_message"();
CREATE TRIGGER "search_docs_message_delete" AFTER DELETE ON "Message"
  FOR EACH ROW EXECUTE FUNCTION "search_docs_on_delete"('m');
CREATE TRIGGER "search_docs_comment" AFTER INSERT OR UPDATE OF "ticketId", "text", "deletedAt" ON "Comment"
  FOR EACH ROW EXECUTE FUNCTION "search_docs_on_comment"();
CREATE TRIGGER "search_docs_comment_delete" AFTER DELETE ON "Comment"
  FOR EACH ROW EXECUTE FUNCTION "search_docs_on_delete"('c');

-- The documents already there (their grams are: the `search_grams` migration wrote them).
INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body")
SELECT "id", 't', "id", "search_docs_text"("subject") FROM "Ticket";
INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body")
SELECT "ticketId", 'm', "id", "search_docs_text"(coalesce("subject", '') || chr(10) || substr(coalesce("text", ''), 1, 20000)) FROM "Message" WHERE "ticketId" IS NOT NULL;
INSERT INTO "search_docs" ("ticket_id", "kind", "doc_id", "body")
SELECT "ticketId", 'c', "id", "search_docs_text"("text") FROM "Comment" WHERE "deletedAt" IS NULL;
ANALYZE "search_docs";
