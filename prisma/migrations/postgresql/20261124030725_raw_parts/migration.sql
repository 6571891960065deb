-- Large raw sources in parts (src/db/raw-mail-store.ts): Message.raw keeps the first 1 MiB,
-- MessageRawPart the rest, one row per MiB, so a big mail is never one value for the driver.
-- CreateTable
CREATE TABLE "MessageRawPart" (
    "messageRowId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "MessageRawPart_pkey" PRIMARY KEY ("messageRowId","seq")
);

-- AddForeignKey
ALTER TABLE "MessageRawPart" ADD CONSTRAINT "MessageRawPart_messageRowId_fkey" FOREIGN KEY ("messageRowId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;
