-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "snoozedBy" TEXT;
