/**
 * One sync pass over a mailbox's folder: fetch every mail above the stored cursor, oldest
 * first, and store each (storeRawMail moves the cursor with it). Read-only towards the
 * server: nothing is flagged, moved or deleted.
 *
 * First start ingests only mail arriving from now on (or the last N days with a backfill).
 * A changed UIDVALIDITY restarts the cursor at 0; mail already stored is recognised by its
 * dedupe key and not stored or posted again.
 */
import type { ImapFlow } from 'imapflow';
import type { Db } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import { storeRawMails } from '../services/store-raw-mail.js';

/** Mails fetched per FETCH command: bounded memory with big attachments, few round trips. */
const FETCH_BATCH = 20;

export interface SyncTarget {
  mailboxId: number;
  folder: string;
  /** Days of existing mail to ingest on the very first start; 0 for none. */
  backfillDays: number;
}

export interface SyncPassResult {
  stored: number;
  duplicates: number;
}

async function startCursor(client: ImapFlow, target: SyncTarget, uidNext: number): Promise<bigint> {
  if (target.backfillDays <= 0) return BigInt(uidNext - 1);
  const since = new Date(Date.now() - target.backfillDays * 24 * 60 * 60 * 1000);
  const uids = (await client.search({ since }, { uid: true })) || [];
  return uids.length ? BigInt(Math.min(...uids) - 1) : BigInt(uidNext - 1);
}

/** Brings the cursor in line with the folder's UIDVALIDITY; returns the UID to fetch above. */
async function alignCursor(db: Db, client: ImapFlow, target: SyncTarget, logger: Logger): Promise<{ uidValidity: bigint; lastUid: bigint }> {
  const box = client.mailbox;
  if (!box) throw new Error('no mailbox selected');
  const row = await db.mailbox.findUniqueOrThrow({ where: { id: target.mailboxId }, select: { uidValidity: true, lastUid: true } });
  if (row.uidValidity === box.uidValidity) return { uidValidity: box.uidValidity, lastUid: row.lastUid };
  const lastUid = row.uidValidity === null ? await startCursor(client, target, box.uidNext) : 0n;
  if (row.uidValidity !== null) {
    logger.warn({ code: 'imap_uidvalidity_changed', folder: target.folder, was: String(row.uidValidity), now: String(box.uidValidity) }, 'UIDVALIDITY changed: rescanning the folder; known mail is recognised and not posted again');
  }
  await db.mailbox.update({ where: { id: target.mailboxId }, data: { uidValidity: box.uidValidity, lastUid } });
  return { uidValidity: box.uidValidity, lastUid };
}

export async function syncMailboxOnce(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  logger: Logger,
  onStored: (messageRowId: number) => void,
): Promise<SyncPassResult> {
  const lock = await client.getMailboxLock(target.folder, { readOnly: true });
  const result: SyncPassResult = { stored: 0, duplicates: 0 };
  try {
    const { uidValidity, lastUid } = await alignCursor(db, client, target, logger);
    if (!client.mailbox || client.mailbox.exists === 0) return result;
    const found = (await client.search({ uid: `${lastUid + 1n}:*` }, { uid: true })) || [];
    // `n:*` always matches the highest UID, even below n.
    const uids = found.filter((uid) => BigInt(uid) > lastUid).sort((a, b) => a - b);
    for (let i = 0; i < uids.length; i += FETCH_BATCH) {
      const batch = uids.slice(i, i + FETCH_BATCH);
      // Collect first: no other IMAP command may run inside a fetch iteration.
      const fetched: { uid: number; source: Buffer; internalDate?: Date }[] = [];
      for await (const message of client.fetch(batch.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
        if (message.source) fetched.push({ uid: message.uid, source: message.source, internalDate: message.internalDate instanceof Date ? message.internalDate : undefined });
      }
      fetched.sort((a, b) => a.uid - b.uid);
      const stored = await storeRawMails(
        db,
        fetched.map((message) => ({
          mailboxId: target.mailboxId,
          raw: message.source,
          internalDate: message.internalDate,
          imap: { folder: target.folder, uidValidity, uid: BigInt(message.uid) },
        })),
      );
      for (const outcome of stored) {
        if (outcome.stored) {
          result.stored += 1;
          onStored(outcome.messageRowId);
        } else {
          result.duplicates += 1;
        }
      }
    }
    return result;
  } finally {
    lock.release();
  }
}
