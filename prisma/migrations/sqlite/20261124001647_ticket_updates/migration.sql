-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SlackPost" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mailboxId" INTEGER NOT NULL,
    "ticketId" INTEGER,
    "channelId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "claimedUntil" DATETIME,
    "slackTs" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postedAt" DATETIME,
    CONSTRAINT "SlackPost_mailboxId_fkey" FOREIGN KEY ("mailboxId") REFERENCES "Mailbox" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SlackPost_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_SlackPost" ("attempts", "channelId", "claimedBy", "claimedUntil", "createdAt", "dedupeKey", "id", "kind", "lastError", "mailboxId", "nextAttemptAt", "payload", "postedAt", "slackTs", "state", "ticketId") SELECT "attempts", "channelId", "claimedBy", "claimedUntil", "createdAt", "dedupeKey", "id", "kind", "lastError", "mailboxId", "nextAttemptAt", "payload", "postedAt", "slackTs", "state", "ticketId" FROM "SlackPost";
DROP TABLE "SlackPost";
ALTER TABLE "new_SlackPost" RENAME TO "SlackPost";
CREATE UNIQUE INDEX "SlackPost_dedupeKey_key" ON "SlackPost"("dedupeKey");
CREATE INDEX "SlackPost_state_channelId_nextAttemptAt_idx" ON "SlackPost"("state", "channelId", "nextAttemptAt");
CREATE INDEX "SlackPost_ticketId_idx" ON "SlackPost"("ticketId");
CREATE INDEX "SlackPost_mailboxId_idx" ON "SlackPost"("mailboxId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
