/**
 * Store first, then understand: the raw source of a fetched mail is saved, and the
 * mailbox's sync cursor moved past it, in one transaction. A crash before the commit
 * fetches the mail again; after it, the mail is safe and never fetched twice. Parsing
 * happens later, from the stored bytes.
 */
import { rawMailStoreOf, type Db } from '../../db/client.js';
import { cleanMessageId } from '../../domain/message-id.js';
import { dedupeKeyOf, readRawHeaders, sha256Hex } from '../../mail/raw-headers.js';

export interface FetchedMail {
  mailboxId: number;
  raw: Uint8Array;
  internalDate?: Date;
  /** Where the mail sits on the IMAP server; absent for imported files. */
  imap?: { folder: string; uidValidity: bigint; uid: bigint };
  /** Old mail found by a rescan: to be kept, not announced in Slack. */
  history?: boolean;
  /** Over the mailbox's size cap: `raw` is only the start of a mail of this many bytes. */
  oversize?: number;
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
  const rows = mails.map((mail) => {
    const contentHash = sha256Hex(mail.raw);
    const header = readRawHeaders(mail.raw);
    return {
      mailboxId: mail.mailboxId,
      direction: 'in' as const,
      dedupeKey: dedupeKeyOf(mail.raw, contentHash, header),
      contentHash,
      raw: mail.raw,
      messageId: cleanMessageId(header('message-id')),
      receivedAt: mail.internalDate ?? new Date(),
      flags: JSON.stringify({
        ...(mail.history ? { history: true } : {}),
        ...(mail.oversize ? { oversize: mail.oversize } : {}),
      }),
      imap: mail.imap,
    };
  });
  return rawMailStoreOf(db).storeBatch(rows);
}
