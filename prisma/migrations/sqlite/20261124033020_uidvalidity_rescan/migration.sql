-- AlterTable
ALTER TABLE "Mailbox" ADD COLUMN "rescanUidValidity" BIGINT;
