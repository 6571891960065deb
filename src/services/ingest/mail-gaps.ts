/**
 * Mail the IMAP server listed but that is not stored yet (schema: MailGap). The sync cursor
 * may move past such a mail, so the mails after it are not held back; this table is what
 * remembers it, in the database, so a restart or another instance goes on retrying it.
 *
 * A gap is retried at growing intervals (domain/backoff.ts) until the mail is stored or the
 * server says it no longer exists. After MAIL_RETRY_TRIES failed tries (about a day) it is
 * given up on: a post in the mailbox's channel names the UID and the reason, the
 * /metrics gauge counts it, and `npm run retry-mail` puts it back in line.
 */
import type { Db, Tx } from '../../db/client.js';
import { MAIL_RETRY_TRIES, mailRetryAt } from '../../domain/backoff.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';

/** Which mail: a UID is only meaningful with its folder and UIDVALIDITY. */
export interface GapPlace {
  mailboxId: number;
  folder: string;
  uidValidity: bigint;
}

/** What the channel post about a given-up mail shows (slack/poster/render-post.ts). */
export interface GivenUpPayload {
  stage: 'fetch' | 'ingest';
  /** The mail's IMAP UID (fetch) or its stored row (ingest). */
  uid?: string;
  folder?: string;
  messageRowId?: number;
  from?: string;
  subject?: string;
  reason: string;
  attempts: number;
}

/** Queues the channel post saying a mail was given up on, in the caller's transaction. */
export async function queueGivenUpPost(
  tx: Tx,
  mailboxId: number,
  dedupeKey: string,
  payload: GivenUpPayload,
): Promise<void> {
  const mailbox = await tx.mailbox.findUniqueOrThrow({ where: { id: mailboxId }, select: { channelId: true } });
  await queuePosts(tx, [{ mailboxId, channelId: mailbox.channelId, kind: POST_KINDS.mailGivenUp, dedupeKey, payload }]);
}

/**
 * Counts one more failed try of the mail at `uid` (recording the gap on the first) and sets
 * the next. Returns true when this try gave it up; the channel post is queued in the same
 * transaction.
 */
export async function recordGapFailure(
  db: Db,
  place: GapPlace,
  uid: bigint,
  reason: string,
  now = new Date(),
): Promise<boolean> {
  const where = { mailboxId_folder_uidValidity_uid: { ...place, uid } };
  const cut = reason.slice(0, 500);
  return db.$transaction(async (tx) => {
    const gap = await tx.mailGap.upsert({
      where,
      create: { ...place, uid, attempts: 1, reason: cut, nextTryAt: mailRetryAt(1, now) },
      update: { attempts: { increment: 1 }, reason: cut },
    });
    if (gap.attempts < MAIL_RETRY_TRIES) {
      if (gap.attempts > 1) await tx.mailGap.update({ where, data: { nextTryAt: mailRetryAt(gap.attempts, now) } });
      return false;
    }
    if (gap.gaveUpAt) return false;
    await tx.mailGap.update({ where, data: { gaveUpAt: now } });
    await queueGivenUpPost(tx, place.mailboxId, `gap:${gap.id}:${now.getTime()}`, {
      stage: 'fetch',
      uid: String(uid),
      folder: place.folder,
      reason: cut,
      attempts: gap.attempts,
    });
    return true;
  });
}

/** Gaps tried per sync pass at most: a pass stays short however many piled up (the rest come next). */
const GAPS_PER_PASS = 500;

/** The UIDs of the place's gaps that are due for another try, oldest first. */
export async function dueGaps(db: Db, place: GapPlace, now = new Date()): Promise<bigint[]> {
  const rows = await db.mailGap.findMany({
    where: { ...place, gaveUpAt: null, nextTryAt: { lte: now } },
    orderBy: { uid: 'asc' },
    select: { uid: true },
    take: GAPS_PER_PASS,
  });
  return rows.map((row) => row.uid);
}

/** The mails at these UIDs are stored or gone: nothing is missing there any more. */
export async function closeGaps(db: Db, place: GapPlace, uids: readonly bigint[]): Promise<void> {
  if (uids.length) await db.mailGap.deleteMany({ where: { ...place, uid: { in: [...uids] } } });
}

/** After a UIDVALIDITY change the old UIDs mean nothing; the rescan reads every mail again. */
export async function forgetGapsOfOtherValidity(db: Db, place: GapPlace): Promise<void> {
  await db.mailGap.deleteMany({
    where: { mailboxId: place.mailboxId, folder: place.folder, uidValidity: { not: place.uidValidity } },
  });
}
