-- A draft's kind (reply, forward, new) and the mail a forward sends on: src/services/replies/open-forward.ts.
-- AlterTable
ALTER TABLE "Draft" ADD COLUMN     "forwardsId" INTEGER,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'reply';
