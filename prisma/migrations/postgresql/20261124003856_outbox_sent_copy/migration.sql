-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN     "copiedToSentAt" TIMESTAMP(3);
