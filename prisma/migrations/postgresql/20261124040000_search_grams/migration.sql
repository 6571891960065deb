-- Words of one or two characters through an index on PostgreSQL (src/services/search/).
--
-- `search_grams` has one row per indexed document — a ticket's subject ('t'), a mail's
-- subject and text ('m'), a live comment ('c') — with the hashes of every 1- and
-- 2-character substring of the document's text, folded and cut as `search_index` holds it.
-- A GIN index over them answers "which tickets may hold this short word" without reading
-- every index row. One row per document, not per ticket, so a new mail or comment costs
-- only its own grams: a per-ticket gram index (recomputed from the whole ticket on every
-- mail) was tried and made the index refresh ~20 times slower (BENCHMARKS.md, "Search").
--
-- A comment's grams are hashed with the prefix 'c::' (three characters, so never equal to
-- a gram of a mail): `in:comments` then looks up keys of its own, with statistics of their
-- own. Were the two mixed and told apart by `kind`, a word common in mails but rare in
-- comments would read the mails' whole posting list and then their rows.
--
-- The hashes may collide, and a word across two documents is in neither's grams (the
-- documents are joined by line breaks in `search_index`, and the search leaves words with
-- a line break to its walk): the ticket ids are candidates, and the page's query checks
-- each word in `search_index`. The keys are the server's own hashtext(): were a
-- PostgreSQL upgrade ever to change it, the table would have to be filled again (as at the
-- end of this migration). Prisma does not manage this table (src/db/migrations.ts lists it
-- as external).
--
-- The function bodies are U&'' strings with \003B for each semicolon (and \\ for a
-- backslash): the driver adapter that runs migrations splits the script at every
-- semicolon, dollar quotes included.

-- The functions are PL/pgSQL even where one SQL statement would do (but for the mere
-- expression `search_gram_keys`, which the planner inlines): PL/pgSQL keeps its
-- plans for the session, while a SQL function called from a trigger or from another
-- function is planned again on every call (~100 µs a document, more than its grams cost).

-- The distinct 1- and 2-character substrings of `t`, lower-cased in A–Z only as
-- `search_index` is. Built-in functions only, each linear in the length (the characters
-- as rows, paired by lead(), took five times as long, and substr() at a position scans
-- multibyte text from its start): string_to_array(t, NULL) gives the characters,
-- regexp_replace() marks off the pairs at even and at odd offsets with chr(1), and
-- array_to_tsvector() sorts out the duplicates. A pair holding chr(1) itself is lost, so
-- the search leaves a word with a control character to its walk.
CREATE FUNCTION "search_grams_text"(t TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS U&'
DECLARE
  f CONSTANT TEXT := translate(t, ''ABCDEFGHIJKLMNOPQRSTUVWXYZ'', ''abcdefghijklmnopqrstuvwxyz'')\003B
BEGIN
  RETURN tsvector_to_array(array_to_tsvector(array_remove(
    string_to_array(f, NULL)
    || string_to_array(regexp_replace(f, ''(..)'', ''\\1'' || chr(1), ''g''), chr(1))
    || string_to_array(regexp_replace(substr(f, 2), ''(..)'', ''\\1'' || chr(1), ''g''), chr(1)),
    '''')))\003B
END\003B
';

-- The keys of a document: its grams' hashes, a comment's with its prefix.
CREATE FUNCTION "search_grams_of"(t TEXT, comment BOOLEAN) RETURNS INTEGER[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS U&'
BEGIN
  RETURN array(SELECT hashtext(CASE WHEN comment THEN ''c::'' ELSE '''' END || g) FROM unnest("search_grams_text"(t)) AS g)\003B
END\003B
';

-- The keys to look a word up by (src/services/search/search-tickets.ts): those of comments
-- only, or of any document.
CREATE FUNCTION "search_gram_keys"(word TEXT, comments_only BOOLEAN) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS U&'
  SELECT CASE WHEN comments_only THEN ARRAY[hashtext(''c::'' || word)] ELSE ARRAY[hashtext(word), hashtext(''c::'' || word)] END
';

CREATE TABLE "search_grams" (
    "ticket_id" INTEGER NOT NULL REFERENCES "Ticket"("id") ON DELETE CASCADE,
    "kind" "char" NOT NULL,
    "doc_id" INTEGER NOT NULL,
    "grams" INTEGER[] NOT NULL,
    PRIMARY KEY ("kind", "doc_id")
);
-- fastupdate (the default, said here on purpose): new rows go to the index's pending list
-- and are merged in bulk, so a mail's insert does not touch a posting list per gram.
CREATE INDEX "search_grams_grams" ON "search_grams" USING gin ("grams") WITH (fastupdate = on);

-- How many documents hold any of `keys`, by the statistics of the last ANALYZE (their
-- most common elements), or NULL when they say nothing of these keys: a rare key is not
-- among them.
CREATE FUNCTION "search_grams_estimate"(keys INTEGER[]) RETURNS REAL LANGUAGE plpgsql STABLE AS U&'
BEGIN
  RETURN (
    SELECT sum(e.freq) * max(c.reltuples)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = ''grams''
    CROSS JOIN LATERAL unnest(s.most_common_elems::text::INTEGER[], s.most_common_elem_freqs) AS e(key, freq)
    WHERE c.oid = ''"search_grams"''::regclass AND e.key = ANY(keys)
  )\003B
END\003B
';

-- The tickets with a document holding `word` (in comments only, or anywhere): from at most
-- `max_rows` documents, or NULL when more hold it and the search had better walk the
-- tickets (quick for a common word). A word the statistics call common is not looked up:
-- GIN reads a key's whole posting list before LIMIT counts a row (~13 ms for a character
-- in 115,000 documents, growing with the table). The look-up always goes through the
-- index (enable_seqscan off for this function): where the planner expects many matching
-- rows it reads the table in order instead, and when the matches lie at its end (the
-- comments of a bulk import) that took 108 ms at 100,000 tickets.
CREATE FUNCTION "search_gram_tickets"(word TEXT, comments_only BOOLEAN, max_rows INTEGER) RETURNS INTEGER[]
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS U&'
DECLARE
  keys CONSTANT INTEGER[] := "search_gram_keys"(word, comments_only)\003B
  found BIGINT\003B
  ids INTEGER[]\003B
BEGIN
  IF "search_grams_estimate"(keys) > max_rows THEN
    RETURN NULL\003B
  END IF\003B
  SELECT count(*), array_agg(DISTINCT "ticket_id") INTO found, ids
  FROM (SELECT "ticket_id" FROM "search_grams" WHERE "grams" && keys LIMIT max_rows + 1) AS docs\003B
  RETURN CASE WHEN found > max_rows THEN NULL ELSE coalesce(ids, ''{}'') END\003B
END\003B
';

-- Writes a document's keys, replacing what it had. A document of no ticket (a mail not yet
-- threaded, a deleted comment) has none.
CREATE FUNCTION "search_grams_put"(k "char", doc INTEGER, tid INTEGER, body TEXT) RETURNS void LANGUAGE plpgsql AS U&'
BEGIN
  IF tid IS NULL OR body IS NULL THEN
    DELETE FROM "search_grams" WHERE "kind" = k AND "doc_id" = doc\003B
  ELSE
    INSERT INTO "search_grams" ("ticket_id", "kind", "doc_id", "grams") VALUES (tid, k, doc, "search_grams_of"(body, k = ''c''))
    ON CONFLICT ("kind", "doc_id") DO UPDATE SET "ticket_id" = EXCLUDED."ticket_id", "grams" = EXCLUDED."grams"\003B
  END IF\003B
END\003B
';

-- The document texts, cut as `search_index_refresh` cuts them.
CREATE FUNCTION "search_grams_on_ticket"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_grams_put"(''t'', NEW."id", NEW."id", NEW."subject")\003B
  RETURN NULL\003B
END\003B
';

CREATE FUNCTION "search_grams_on_message"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_grams_put"(''m'', NEW."id", NEW."ticketId", coalesce(NEW."subject", '''') || chr(10) || substr(coalesce(NEW."text", ''''), 1, 20000))\003B
  RETURN NULL\003B
END\003B
';

CREATE FUNCTION "search_grams_on_comment"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_grams_put"(''c'', NEW."id", CASE WHEN NEW."deletedAt" IS NULL THEN NEW."ticketId" END, NEW."text")\003B
  RETURN NULL\003B
END\003B
';

-- A mail or comment deleted (the trigger's argument says which kind): its keys go.
CREATE FUNCTION "search_grams_on_delete"() RETURNS trigger LANGUAGE plpgsql AS U&'
BEGIN
  PERFORM "search_grams_put"(TG_ARGV[0]::"char", OLD."id", NULL, NULL)\003B
  RETURN NULL\003B
END\003B
';

-- Every write of an indexed column replaces the document's keys (the writers set them only
-- to change them: the mail's fields once, when its ticket is known, a comment's text on an
-- edit). A ticket's keys go with it (ON DELETE CASCADE).
CREATE TRIGGER "search_grams_ticket" AFTER INSERT OR UPDATE OF "subject" ON "Ticket"
  FOR EACH ROW EXECUTE FUNCTION "search_grams_on_ticket"();
CREATE TRIGGER "search_grams_message" AFTER INSERT OR UPDATE OF "ticketId", "subject", "text" ON "Message"
  FOR EACH ROW EXECUTE FUNCTION "search_grams_on_message"();
CREATE TRIGGER "search_grams_message_delete" AFTER DELETE ON "Message"
  FOR EACH ROW EXECUTE FUNCTION "search_grams_on_delete"('m');
CREATE TRIGGER "search_grams_comment" AFTER INSERT OR UPDATE OF "ticketId", "text", "deletedAt" ON "Comment"
  FOR EACH ROW EXECUTE FUNCTION "search_grams_on_comment"();
CREATE TRIGGER "search_grams_comment_delete" AFTER DELETE ON "Comment"
  FOR EACH ROW EXECUTE FUNCTION "search_grams_on_delete"('c');

-- The documents already there.
INSERT INTO "search_grams" ("ticket_id", "kind", "doc_id", "grams")
SELECT "id", 't', "id", "search_grams_of"("subject", false) FROM "Ticket";
INSERT INTO "search_grams" ("ticket_id", "kind", "doc_id", "grams")
SELECT "ticketId", 'm', "id", "search_grams_of"(coalesce("subject", '') || chr(10) || substr(coalesce("text", ''), 1, 20000), false) FROM "Message" WHERE "ticketId" IS NOT NULL;
INSERT INTO "search_grams" ("ticket_id", "kind", "doc_id", "grams")
SELECT "ticketId", 'c', "id", "search_grams_of"("text", true) FROM "Comment" WHERE "deletedAt" IS NULL;
ANALYZE "search_grams";
