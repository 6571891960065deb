-- A ticket merged into another (Ticket.mergedIntoId, mergedAt: src/services/tickets/merge-tickets.ts).
--
-- Added in place rather than by copying the table, as Prisma's diff would: dropping
-- "Ticket" would drop the search index's triggers on it (20261205035000_search_documents).
-- SQLite takes a REFERENCES clause on an added column whose default is NULL.
ALTER TABLE "Ticket" ADD COLUMN "mergedIntoId" INTEGER REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD COLUMN "mergedAt" DATETIME;

CREATE INDEX "Ticket_mergedIntoId_idx" ON "Ticket"("mergedIntoId");
