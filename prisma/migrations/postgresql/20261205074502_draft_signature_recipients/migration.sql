-- AlterTable
ALTER TABLE "Draft" ADD COLUMN     "fromAddress" TEXT,
ADD COLUMN     "recipientChanges" TEXT NOT NULL DEFAULT '{}',
ADD COLUMN     "signature" TEXT NOT NULL DEFAULT '';
