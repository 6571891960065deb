-- AlterTable (ADD COLUMN rather than a table copy, which would drop Draft's triggers)
ALTER TABLE "Draft" ADD COLUMN "signature" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Draft" ADD COLUMN "recipientChanges" TEXT NOT NULL DEFAULT '{}';
ALTER TABLE "Draft" ADD COLUMN "fromAddress" TEXT;
