/**
 * Store first, then understand: the raw source of a fetched mail is saved, and the
 * mailbox's sync cursor moved past it, in one transaction. A crash before the commit
 * fetches the mail again; after it, the mail is safe and never fetched twice. Parsing
 * happens later, from the stored bytes.
 */
import type { Db } from '../db/client.js';
import { dedupeKeyOf, rawHeader, sha256Hex } from '../mail/raw-headers.js';

export interface FetchedMail {
  mailboxId: number;
  folder: string;
  uidValidity: bigint;
  uid: bigint;
  raw: Uint8Array;
  internalDate?: Date;
}

export type StoreResult = { stored: true; messageRowId: number } | { stored: false; duplicateOf: number };

export async function storeRawMail(db: Db, mail: FetchedMail): Promise<StoreResult> {
  const contentHash = sha256Hex(mail.raw);
  const dedupeKey = dedupeKeyOf(mail.raw, contentHash);
  return db.$transaction(async (tx) => {
    const existing = await tx.message.findUnique({
      where: { mailboxId_direction_dedupeKey: { mailboxId: mail.mailboxId, direction: 'in', dedupeKey } },
      select: { id: true },
    });
    const result: StoreResult = existing
      ? { stored: false, duplicateOf: existing.id }
      : {
          stored: true,
          messageRowId: (
            await tx.message.create({
              data: {
                mailboxId: mail.mailboxId,
                direction: 'in',
                dedupeKey,
                contentHash,
                raw: Uint8Array.from(mail.raw),
                size: mail.raw.byteLength,
                messageId: rawHeader(mail.raw, 'message-id')?.replace(/^<|>$/g, '').trim() || null,
                imapFolder: mail.folder,
                imapUidValidity: mail.uidValidity,
                imapUid: mail.uid,
                receivedAt: mail.internalDate ?? new Date(),
              },
              select: { id: true },
            })
          ).id,
        };
    // The cursor only moves forward, and only within the UIDVALIDITY it belongs to.
    await tx.mailbox.updateMany({
      where: { id: mail.mailboxId, uidValidity: mail.uidValidity, lastUid: { lt: mail.uid } },
      data: { lastUid: mail.uid, lastSyncAt: new Date() },
    });
    return result;
  });
}
