-- Full-text search index (src/services/search/): one row per ticket. `body` holds the
-- ticket's subject and every mail's subject and text (each cut at 20,000 characters),
-- `comments` the thread comments not deleted. Both lower-cased in ASCII only (as SQLite's
-- lower() does), so both databases match the same. Trigram GIN indexes serve LIKE '%…%'.
-- Kept current by the triggers below, so every writer is covered. Prisma does not manage
-- this table (src/db/migrations.ts lists it as external).
--
-- The function bodies are U&'' strings with \003B for each semicolon: the driver adapter
-- that runs migrations splits the script at every semicolon, dollar quotes included.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE "search_index" (
    "ticket_id" INTEGER NOT NULL PRIMARY KEY REFERENCES "Ticket"("id") ON DELETE CASCADE,
    "body" TEXT NOT NULL,
    "comments" TEXT NOT NULL
);
CREATE INDEX "search_index_body_trgm" ON "search_index" USING gin ("body" gin_trgm_ops);
CREATE INDEX "search_index_comments_trgm" ON "search_index" USING gin ("comments" gin_trgm_ops);

CREATE FUNCTION "search_index_refresh"(tid INTEGER) RETURNS void LANGUAGE plpgsql AS U&'
BEGIN
  IF tid IS NULL THEN RETURN\003B END IF\003B
  INSERT INTO "search_index" ("ticket_id", "body", "comments") VALUES (tid, '''', '''') ON CONFLICT DO NOTHING\003B
  -- One refresh of a ticket at a time\003B the statement after the lock sees what the other
  -- refresh committed, so two mails threaded at once both end up in the index.
  PERFORM 1 FROM "search_index" WHERE "ticket_id" = tid FOR UPDATE\003B
  UPDATE "search_index" SET
    "body" = translate(t."subject" || chr(10) || coalesce((SELECT string_agg(coalesce(m."subject", '''') || chr(10) || substr(coalesce(m."text", ''''), 1, 20000), chr(10)) FROM "Message" m WHERE m."ticketId" = t."id"), ''''), ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz''),
    "comments" = translate(coalesce((SELECT string_agg(c."text", chr(10)) FROM "Comment" c WHERE c."ticketId" = t."id" AND c."deletedAt" IS NULL), ''''), ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz'')
  FROM "Ticket" t WHERE t."id" = tid AND "search_index"."ticket_id" = tid\003B
END\003B
';

CREATE FUNCTION "search_index_on_ticket"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_index_refresh"(NEW."id")\003B
  RETURN NULL\003B
END\003B
';

CREATE FUNCTION "search_index_on_child"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_index_refresh"(NEW."ticketId")\003B
  IF TG_OP = ''UPDATE'' AND OLD."ticketId" IS DISTINCT FROM NEW."ticketId" THEN
    PERFORM "search_index_refresh"(OLD."ticketId")\003B
  END IF\003B
  RETURN NULL\003B
END\003B
';

CREATE TRIGGER "search_index_ticket" AFTER INSERT OR UPDATE OF "subject" ON "Ticket"
  FOR EACH ROW EXECUTE FUNCTION "search_index_on_ticket"();
CREATE TRIGGER "search_index_message" AFTER INSERT OR UPDATE OF "ticketId", "subject", "text" ON "Message"
  FOR EACH ROW EXECUTE FUNCTION "search_index_on_child"();
CREATE TRIGGER "search_index_comment" AFTER INSERT OR UPDATE OF "text", "deletedAt", "ticketId" ON "Comment"
  FOR EACH ROW EXECUTE FUNCTION "search_index_on_child"();

SELECT "search_index_refresh"("id") FROM "Ticket";
