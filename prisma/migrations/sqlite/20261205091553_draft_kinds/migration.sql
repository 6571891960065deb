-- A draft's kind (Draft.kind: reply, forward, new) and the mail a forward sends on
-- (Draft.forwardsId): src/services/replies/open-forward.ts. Added in place: nothing to copy.
ALTER TABLE "Draft" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'reply';
ALTER TABLE "Draft" ADD COLUMN "forwardsId" INTEGER;
