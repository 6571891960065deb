-- AlterTable
ALTER TABLE "Mailbox" ADD COLUMN "idleSilentSince" DATETIME;
