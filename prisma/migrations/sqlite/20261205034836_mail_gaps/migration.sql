-- CreateTable
CREATE TABLE "MailGap" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mailboxId" INTEGER NOT NULL,
    "folder" TEXT NOT NULL,
    "uidValidity" BIGINT NOT NULL,
    "uid" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "nextTryAt" DATETIME NOT NULL,
    "gaveUpAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "MailGap_mailboxId_fkey" FOREIGN KEY ("mailboxId") REFERENCES "Mailbox" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- AlterTable: columns added in place. Prisma would copy the whole Message table into a
-- new one, which drops the search triggers on it and rewrites every stored mail.
ALTER TABLE "Message" ADD COLUMN "ingestAttempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Message" ADD COLUMN "ingestRetryAt" DATETIME;

-- CreateIndex
CREATE INDEX "MailGap_mailboxId_nextTryAt_idx" ON "MailGap"("mailboxId", "nextTryAt");

-- CreateIndex
CREATE UNIQUE INDEX "MailGap_mailboxId_folder_uidValidity_uid_key" ON "MailGap"("mailboxId", "folder", "uidValidity", "uid");
