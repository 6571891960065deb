-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN "copiedToSentAt" DATETIME;
