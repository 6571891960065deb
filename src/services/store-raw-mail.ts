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
  raw: Uint8Array;
  internalDate?: Date;
  /** Where the mail sits on the IMAP server; absent for imported files. */
  imap?: { folder: string; uidValidity: bigint; uid: bigint };
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
                imapFolder: mail.imap?.folder ?? null,
                imapUidValidity: mail.imap?.uidValidity ?? null,
                imapUid: mail.imap?.uid ?? null,
                receivedAt: mail.internalDate ?? new Date(),
              },
              select: { id: true },
            })
          ).id,
        };
    // The cursor only moves forward, and only within the UIDVALIDITY it belongs to.
    if (mail.imap) {
      await tx.mailbox.updateMany({
        where: { id: mail.mailboxId, uidValidity: mail.imap.uidValidity, lastUid: { lt: mail.imap.uid } },
        data: { lastUid: mail.imap.uid, lastSyncAt: new Date() },
      });
    }
    return result;
  });
}
