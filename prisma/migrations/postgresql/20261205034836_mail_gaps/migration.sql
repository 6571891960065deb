-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "ingestAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "ingestRetryAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "MailGap" (
    "id" SERIAL NOT NULL,
    "mailboxId" INTEGER NOT NULL,
    "folder" TEXT NOT NULL,
    "uidValidity" BIGINT NOT NULL,
    "uid" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "nextTryAt" TIMESTAMP(3) NOT NULL,
    "gaveUpAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MailGap_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MailGap_mailboxId_nextTryAt_idx" ON "MailGap"("mailboxId", "nextTryAt");

-- CreateIndex
CREATE UNIQUE INDEX "MailGap_mailboxId_folder_uidValidity_uid_key" ON "MailGap"("mailboxId", "folder", "uidValidity", "uid");

-- AddForeignKey
ALTER TABLE "MailGap" ADD CONSTRAINT "MailGap_mailboxId_fkey" FOREIGN KEY ("mailboxId") REFERENCES "Mailbox"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
