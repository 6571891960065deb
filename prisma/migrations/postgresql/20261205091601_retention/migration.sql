-- When the retention policy removed a mail's raw source and its attachments' bytes
-- (src/services/privacy/apply-retention.ts). Added in place: copying "Message" would drop
-- the search index's triggers on it.
ALTER TABLE "Message" ADD COLUMN     "rawRemovedAt" TIMESTAMP(3);
