-- CreateTable
CREATE TABLE "DraftAttachment" (
    "id" SERIAL NOT NULL,
    "draftId" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "slackFileId" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DraftAttachment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DraftAttachment_draftId_revision_idx" ON "DraftAttachment"("draftId", "revision");

-- AddForeignKey
ALTER TABLE "DraftAttachment" ADD CONSTRAINT "DraftAttachment_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
