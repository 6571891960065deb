/**
 * Store first, then understand: the raw source of a fetched mail is saved, and the
 * mailbox's sync cursor moved past it, in one transaction. A crash before the commit
 * fetches the mail again; after it, the mail is safe and never fetched twice. Parsing
 * happens later, from the stored bytes.
 */
import type { Db } from '../db/client.js';
import { cleanMessageId, dedupeKeyOf, rawHeader, sha256Hex } from '../mail/raw-headers.js';

export interface FetchedMail {
  mailboxId: number;
  raw: Uint8Array;
  internalDate?: Date;
  /** Where the mail sits on the IMAP server; absent for imported files. */
  imap?: { folder: string; uidValidity: bigint; uid: bigint };
  /** Old mail found by a rescan: to be kept, not announced in Slack. */
  history?: boolean;
}

export type StoreResult = { stored: true; messageRowId: number } | { stored: false; duplicateOf: number };

/** Stores one mail (see storeRawMails). */
export async function storeRawMail(db: Db, mail: FetchedMail): Promise<StoreResult> {
  const [result] = await storeRawMails(db, [mail]);
  return result!;
}

/**
 * Stores a batch of mails of one mailbox in one transaction, oldest first, and moves the
 * cursor past the last: one commit per IMAP fetch batch instead of one per mail.
 */
export async function storeRawMails(db: Db, mails: readonly FetchedMail[]): Promise<StoreResult[]> {
  // Hashing happens before the transaction, so big mails do not hold the write lock long.
  const keyed = mails.map((mail) => {
    const contentHash = sha256Hex(mail.raw);
    return { mail, contentHash, dedupeKey: dedupeKeyOf(mail.raw, contentHash) };
  });
  return db.$transaction(async (tx) => {
    const results: StoreResult[] = [];
    for (const { mail, contentHash, dedupeKey } of keyed) {
      const existing = await tx.message.findUnique({
        where: { mailboxId_direction_dedupeKey: { mailboxId: mail.mailboxId, direction: 'in', dedupeKey } },
        select: { id: true },
      });
      if (existing) {
        results.push({ stored: false, duplicateOf: existing.id });
      } else {
        const created = await tx.message.create({
          data: {
            mailboxId: mail.mailboxId,
            direction: 'in',
            dedupeKey,
            contentHash,
            // As it is, no copy: the raw source can be tens of megabytes.
            raw: mail.raw as Uint8Array<ArrayBuffer>,
            size: mail.raw.byteLength,
            messageId: cleanMessageId(rawHeader(mail.raw, 'message-id')),
            imapFolder: mail.imap?.folder ?? null,
            imapUidValidity: mail.imap?.uidValidity ?? null,
            imapUid: mail.imap?.uid ?? null,
            receivedAt: mail.internalDate ?? new Date(),
            ...(mail.history ? { flags: JSON.stringify({ history: true }) } : {}),
          },
          select: { id: true },
        });
        results.push({ stored: true, messageRowId: created.id });
      }
    }
    // The cursor only moves forward, and only within the UIDVALIDITY it belongs to.
    const last = mails.at(-1)?.imap;
    if (last) {
      await tx.mailbox.updateMany({
        where: { id: mails[0]!.mailboxId, uidValidity: last.uidValidity, lastUid: { lt: last.uid } },
        data: { lastUid: last.uid, lastSyncAt: new Date() },
      });
    }
    return results;
  }, STORE_TRANSACTION);
}

/** Storing a batch of large mails can take a while on a slow disk; the default is 5 s. */
const STORE_TRANSACTION = { timeout: 60_000, maxWait: 15_000 };
