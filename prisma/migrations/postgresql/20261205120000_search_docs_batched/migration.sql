-- SQLite only (see the SQLite migration of the same name): FTS5 writes an index segment at
-- every savepoint, so there the search documents of a transaction are written at its end.
-- On PostgreSQL the trigram GIN index gathers new entries in its pending list (fastupdate),
-- and the writes of the triggers cost no more in a batch. Nothing changes here.
SELECT 1;
