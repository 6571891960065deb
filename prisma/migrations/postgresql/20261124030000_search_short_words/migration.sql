-- Search, second round (src/services/search/). The indexed texts now end in two line
-- breaks, as on SQLite (where its trigram index needs them to look up a word at the very
-- end), so both databases hold the same text and match the same. Short words keep the
-- newest-first walk here: a per-row GIN index of 1- and 2-character grams was measured and
-- dropped (it made every index refresh ~20 times slower).
--
-- The function bodies are U&'' strings with \003B for each semicolon: the driver adapter
-- that runs migrations splits the script at every semicolon, dollar quotes included.

CREATE OR REPLACE FUNCTION "search_index_refresh"(tid INTEGER) RETURNS void LANGUAGE plpgsql AS U&'
BEGIN
  IF tid IS NULL THEN RETURN\003B END IF\003B
  INSERT INTO "search_index" ("ticket_id", "body", "comments") VALUES (tid, '''', '''') ON CONFLICT DO NOTHING\003B
  -- One refresh of a ticket at a time\003B the statement after the lock sees what the other
  -- refresh committed, so two mails threaded at once both end up in the index.
  PERFORM 1 FROM "search_index" WHERE "ticket_id" = tid FOR UPDATE\003B
  UPDATE "search_index" SET
    "body" = translate(t."subject" || chr(10) || coalesce((SELECT string_agg(coalesce(m."subject", '''') || chr(10) || substr(coalesce(m."text", ''''), 1, 20000), chr(10)) FROM "Message" m WHERE m."ticketId" = t."id"), ''''), ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz'') || chr(10) || chr(10),
    "comments" = translate(coalesce((SELECT string_agg(c."text", chr(10)) FROM "Comment" c WHERE c."ticketId" = t."id" AND c."deletedAt" IS NULL), ''''), ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz'') || chr(10) || chr(10)
  FROM "Ticket" t WHERE t."id" = tid AND "search_index"."ticket_id" = tid\003B
END\003B
';

SELECT "search_index_refresh"("id") FROM "Ticket";

-- Statistics on the expressions the search filters on, for the planner. Without them it
-- guesses that the access check (coalesce(slackChannelId, '') IN …) keeps 0.3 % of the
-- tickets and `from:` (lower(coalesce(fromAddress, '')) LIKE …) one mail, and so reads and
-- sorts every ticket instead of walking them newest first until a page is full (190 ms
-- rather than 0.2 ms for `from:yahoo.co.jp` at 100,000 tickets).
CREATE STATISTICS "Ticket_search_access_stats" ON (coalesce("slackChannelId", '')) FROM "Ticket";
CREATE STATISTICS "Message_search_from_stats" ON (lower(coalesce("fromAddress", ''))) FROM "Message";
ANALYZE "Ticket";
ANALYZE "Message";
