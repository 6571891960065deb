-- AlterTable
ALTER TABLE "Mailbox" ADD COLUMN     "idleSilentSince" TIMESTAMP(3);
