-- AlterTable
ALTER TABLE "SlackPost" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 0;
