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
import { collectGarbage, COLLECT_AFTER_BYTES } from '../util/collect-garbage.js';
import { storeRawMails, type FetchedMail, type StoreResult } from '../services/store-raw-mail.js';

/**
 * Mails per FETCH and per commit: few round trips (a backlog of 5,000 took 4.3 s to fetch
 * and store at 20 a batch, 1.7 s at 100), and bounded memory for big attachments.
 */
const BATCH_MAILS = 100;
/** UIDs listed (with their sizes) per FETCH while catching up. */
const UID_WINDOW = 10_000n;
const BATCH_BYTES = 16 * 1024 * 1024;
/** Passes a mail may fail to be stored before it is skipped (left on the server, logged). */
const MAX_STORE_FAILURES = 3;

/** UIDs that failed to store, per mailbox and UIDVALIDITY: how often. */
const storeFailures = new Map<string, number>();

/**
 * Groups UIDs (ascending) so that each batch stays within the mail and byte budget. A mail
 * over `aloneAbove` (the size cap) is a batch of its own, so only its start is fetched.
 */
export function batchBySize(uids: readonly number[], sizes: ReadonlyMap<number, number>, aloneAbove = Infinity): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const uid of uids) {
    const raw = sizes.get(uid) ?? 0;
    const size = raw > aloneAbove ? Infinity : raw;
    if (current.length > 0 && (current.length >= BATCH_MAILS || bytes + size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(uid);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface SyncTarget {
  mailboxId: number;
  folder: string;
  /** Days of existing mail to ingest on the very first start; 0 for none. */
  backfillDays: number;
  /**
   * Mail received before this was in the folder before Mailroom (beyond the backfill): when
   * a UIDVALIDITY rescan brings it in, it is kept as history, not posted.
   */
  historyBefore?: Date;
  /** A mail larger than this is taken as its start only (IMAP_MAX_MAIL_MB). */
  maxMailBytes?: number;
}

export interface SyncPassResult {
  stored: number;
  duplicates: number;
}

/**
 * When mail counts as history for a rescan: before the mailbox's first start, less its
 * backfill window, with ten minutes' margin for clocks.
 */
export function historyBoundary(firstStart: Date, backfillDays: number): Date {
  return new Date(firstStart.getTime() - backfillDays * 86_400_000 - 10 * 60_000);
}

/**
 * The cursor below the oldest of `uids` (the mail to take on a first start), or below
 * UIDNEXT when there is none. A loop, not Math.min(...uids): spreading a large mailbox's
 * UIDs into arguments overflows the stack (from about 130,000).
 */
export function cursorBelow(uids: readonly number[], uidNext: number): bigint {
  let lowest = Infinity;
  for (const uid of uids) if (uid < lowest) lowest = uid;
  return BigInt((lowest === Infinity ? uidNext : lowest) - 1);
}

async function startCursor(client: ImapFlow, target: SyncTarget, uidNext: number): Promise<bigint> {
  if (target.backfillDays <= 0) return BigInt(uidNext - 1);
  const since = new Date(Date.now() - target.backfillDays * 24 * 60 * 60 * 1000);
  return cursorBelow((await client.search({ since }, { uid: true })) || [], uidNext);
}

/** Brings the cursor in line with the folder's UIDVALIDITY; returns the UID to fetch above. */
async function alignCursor(db: Db, client: ImapFlow, target: SyncTarget, logger: Logger): Promise<{ uidValidity: bigint; lastUid: bigint; rescan: boolean }> {
  const box = client.mailbox;
  if (!box) throw new Error('no mailbox selected');
  const row = await db.mailbox.findUniqueOrThrow({ where: { id: target.mailboxId }, select: { uidValidity: true, lastUid: true, rescanUidValidity: true } });
  // A rescan lasts until the cursor has passed the highest UID the folder had (see
  // syncMailboxOnce), across restarts.
  if (row.uidValidity === box.uidValidity) return { uidValidity: box.uidValidity, lastUid: row.lastUid, rescan: row.rescanUidValidity === box.uidValidity };
  const rescan = row.uidValidity !== null;
  const lastUid = rescan ? 0n : await startCursor(client, target, box.uidNext);
  if (rescan) {
    logger.warn({ code: 'imap_uidvalidity_changed', folder: target.folder, was: String(row.uidValidity), now: String(box.uidValidity) }, 'UIDVALIDITY changed: rescanning the folder; known mail is recognised and not posted again');
  }
  await db.mailbox.update({ where: { id: target.mailboxId }, data: { uidValidity: box.uidValidity, lastUid, rescanUidValidity: rescan ? box.uidValidity : null } });
  return { uidValidity: box.uidValidity, lastUid, rescan };
}

/**
 * Stores a batch in one transaction; if that fails, mail by mail, so one mail that cannot
 * be stored does not hold back the others. A mail that fails MAX_STORE_FAILURES passes is
 * skipped with an error naming its UID: it stays on the server, untouched.
 */
async function storeBatch(db: Db, mails: FetchedMail[], logger: Logger): Promise<StoreResult[]> {
  try {
    return await storeRawMails(db, mails);
  } catch (batchError) {
    if (mails.length === 1) return skipOrThrow(db, mails[0]!, batchError as Error, logger);
    const results: StoreResult[] = [];
    for (const mail of mails) {
      try {
        results.push(...(await storeRawMails(db, [mail])));
      } catch (error) {
        results.push(...(await skipOrThrow(db, mail, error as Error, logger)));
      }
    }
    return results;
  }
}

/** Counts one more failure of a mail; true once it has failed MAX_STORE_FAILURES times (and is to be passed over). */
function givesUpOn(mailboxId: number, uidValidity: bigint, uid: bigint | number): boolean {
  const key = `${mailboxId}:${uidValidity}:${uid}`;
  const failures = (storeFailures.get(key) ?? 0) + 1;
  if (failures < MAX_STORE_FAILURES) {
    storeFailures.set(key, failures);
    return false;
  }
  storeFailures.delete(key);
  return true;
}

async function skipOrThrow(db: Db, mail: FetchedMail, error: Error, logger: Logger): Promise<StoreResult[]> {
  if (!givesUpOn(mail.mailboxId, mail.imap!.uidValidity, mail.imap!.uid)) throw error;
  logger.error({ code: 'imap_mail_skipped', uid: String(mail.imap!.uid), size: mail.raw.byteLength, err: error.message }, 'a mail could not be stored and was skipped; it is still on the server');
  await moveCursorPast(db, mail.mailboxId, mail.imap!.uidValidity, mail.imap!.uid);
  return [];
}

/** Moves the cursor past a mail given up on (never back). */
async function moveCursorPast(db: Db, mailboxId: number, uidValidity: bigint, uid: bigint): Promise<void> {
  await db.mailbox.updateMany({ where: { id: mailboxId, uidValidity, lastUid: { lt: uid } }, data: { lastUid: uid } });
}

/**
 * A mail from this size on is downloaded on its own, in ranges, into one buffer of its
 * size: fetched whole, imapflow gathers the literal's pieces and then joins them, holding
 * it twice (+69 MiB for a 34 MiB mail).
 */
const DOWNLOAD_BYTES = 4 * 1024 * 1024;
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/** What is taken of a mail over the size cap: its headers and the start of its text. */
const OVERSIZE_HEAD_BYTES = 256 * 1024;

/** `oversize`: the whole mail's size when `source` is only its start (over the cap). */
type FetchedSource = { uid: number; source: Buffer; internalDate?: Date; oversize?: number };

/**
 * The start of a mail over the size cap (BODY.PEEK[]<0.n>): enough for its headers and the
 * first of its text, never the whole of it in memory.
 */
async function fetchHead(client: ImapFlow, uid: number, size: number): Promise<FetchedSource | null> {
  const message = await client.fetchOne(String(uid), { uid: true, internalDate: true, source: { start: 0, maxLength: OVERSIZE_HEAD_BYTES } }, { uid: true });
  if (!message || !message.source) return null;
  return { uid, source: message.source, internalDate: message.internalDate instanceof Date ? message.internalDate : undefined, oversize: size };
}

/** One mail's source by partial fetches (imapflow's download), copied into a buffer of `size`. */
async function downloadSource(client: ImapFlow, uid: number, size: number): Promise<FetchedSource | null> {
  const meta = await client.fetchOne(String(uid), { uid: true, internalDate: true }, { uid: true });
  const { content } = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK_BYTES });
  if (!meta || !content) return null;
  let source = Buffer.allocUnsafe(size);
  let length = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    // RFC822.SIZE should be exact; a server that counts otherwise costs a copy, not the mail.
    if (length + chunk.length > source.length) source = Buffer.concat([source.subarray(0, length)], Math.max(length + chunk.length, source.length * 2));
    chunk.copy(source, length);
    length += chunk.length;
  }
  return { uid, source: length === source.length ? source : source.subarray(0, length), internalDate: meta.internalDate instanceof Date ? meta.internalDate : undefined };
}

/** The batch's sources, in one fetch (or one ranged download for a single large mail). */
async function fetchSources(client: ImapFlow, batch: number[], sizes: ReadonlyMap<number, number>, maxBytes: number = Infinity): Promise<FetchedSource[]> {
  // Collect first: no other IMAP command may run inside a fetch iteration.
  const fetched: FetchedSource[] = [];
  const size = sizes.get(batch[0]!) ?? 0;
  if (batch.length === 1 && size > maxBytes) {
    const head = await fetchHead(client, batch[0]!, size);
    if (head) fetched.push(head);
  } else if (batch.length === 1 && size >= DOWNLOAD_BYTES) {
    const mail = await downloadSource(client, batch[0]!, size);
    if (mail) fetched.push(mail);
  } else {
    for await (const message of client.fetch(batch.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
      if (message.source) fetched.push({ uid: message.uid, source: message.source, internalDate: message.internalDate instanceof Date ? message.internalDate : undefined });
    }
  }
  return fetched;
}

/**
 * The server refused the command (NO / BAD: "message could not be converted", a damaged
 * file), as opposed to the connection failing: it is about the mails asked for, and the
 * connection can go on.
 */
function refusedByServer(error: unknown): boolean {
  const status = (error as { responseStatus?: string } | null)?.responseStatus;
  return status === 'NO' || status === 'BAD';
}

/**
 * The batch's sources. When the server refuses the batch, the mails are fetched one by
 * one, so one mail it cannot give (Exchange's "could not be converted", Dovecot's
 * SERVERBUG) does not hold back the others: such a mail is tried again on the next passes
 * and, after MAX_STORE_FAILURES, passed over with an error naming its UID (it stays on the
 * server, untouched). Returns what was fetched before a mail still worth trying again,
 * and that mail's error to raise once they are stored.
 */
async function fetchEachIfRefused(db: Db, client: ImapFlow, target: SyncTarget, uidValidity: bigint, batch: number[], sizes: ReadonlyMap<number, number>, logger: Logger): Promise<{ fetched: FetchedSource[]; failure?: Error }> {
  try {
    const fetched = await fetchSources(client, batch, sizes, target.maxMailBytes);
    return { fetched: await withMissingAskedAlone(client, batch, sizes, fetched, logger) };
  } catch (error) {
    if (!refusedByServer(error)) throw error;
  }
  const fetched: FetchedSource[] = [];
  for (const uid of batch) {
    try {
      fetched.push(...(await fetchSources(client, [uid], sizes, target.maxMailBytes)));
    } catch (error) {
      if (!refusedByServer(error)) throw error;
      if (!givesUpOn(target.mailboxId, uidValidity, uid)) return { fetched, failure: error as Error };
      logger.error({ code: 'imap_mail_unfetchable', uid: String(uid), err: (error as Error).message }, 'the server cannot give this mail; it was skipped and is still on the server');
      await moveCursorPast(db, target.mailboxId, uidValidity, BigInt(uid));
    }
  }
  return { fetched };
}

/**
 * A server may answer a FETCH without some of the mails asked for (expunged meanwhile, or
 * left out: Gmail does at times). Each is asked for once more on its own; one still
 * missing is passed over with a warning naming its UID, rather than silently.
 */
async function withMissingAskedAlone(client: ImapFlow, batch: number[], sizes: ReadonlyMap<number, number>, fetched: FetchedSource[], logger: Logger): Promise<FetchedSource[]> {
  const got = new Set(fetched.map((mail) => mail.uid));
  const missing = batch.filter((uid) => !got.has(uid));
  if (missing.length === 0 || batch.length === 1) {
    if (missing.length) logger.warn({ code: 'imap_mail_missing', uids: missing.map(String) }, 'the server did not give this mail (deleted meanwhile?); passed over');
    return fetched;
  }
  const again: FetchedSource[] = [];
  // Only batches of several get here, and a mail over the size cap is always alone.
  for (const uid of missing) again.push(...(await fetchSources(client, [uid], sizes)));
  const still = missing.filter((uid) => !again.some((mail) => mail.uid === uid));
  if (still.length) logger.warn({ code: 'imap_mail_missing', uids: still.map(String) }, 'the server did not give these mails (deleted meanwhile?); passed over');
  return [...fetched, ...again];
}

/** Fetches the batch's mails and stores them; their sources are not held beyond this call. */
async function fetchAndStore(db: Db, client: ImapFlow, target: SyncTarget, cursor: { uidValidity: bigint; rescan: boolean }, batch: number[], sizes: ReadonlyMap<number, number>, logger: Logger): Promise<StoreResult[]> {
  const { fetched, failure } = await fetchEachIfRefused(db, client, target, cursor.uidValidity, batch, sizes, logger);
  fetched.sort((a, b) => a.uid - b.uid);
  const mails = fetched.map((message) => ({
    mailboxId: target.mailboxId,
    raw: message.source,
    internalDate: message.internalDate,
    imap: { folder: target.folder, uidValidity: cursor.uidValidity, uid: BigInt(message.uid) },
    history: cursor.rescan && !!target.historyBefore && !!message.internalDate && message.internalDate < target.historyBefore,
    oversize: message.oversize,
  }));
  const results = await storeBatch(db, mails, logger);
  if (failure) throw failure;
  return results;
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
    const { uidValidity, lastUid, rescan } = await alignCursor(db, client, target, logger);
    if (!client.mailbox || client.mailbox.exists === 0) return result;
    const storeListed = async (uids: number[], sizes: Map<number, number>): Promise<void> => {
      for (const batch of batchBySize(uids, sizes, target.maxMailBytes)) {
        const outcomes = await fetchAndStore(db, client, target, { uidValidity, rescan }, batch, sizes, logger);
        // The batch's sources are garbage now (see collect-garbage.ts).
        if (batch.reduce((bytes, uid) => bytes + (sizes.get(uid) ?? 0), 0) >= COLLECT_AFTER_BYTES) collectGarbage();
        for (const outcome of outcomes) {
          if (outcome.stored) {
            result.stored += 1;
            onStored(outcome.messageRowId);
          } else {
            result.duplicates += 1;
          }
        }
      }
    };
    // UIDs and sizes above the cursor, a window of UIDs at a time, so a mailbox of a million
    // mails is listed in pages rather than held whole. The last window is open-ended
    // (`n:*`, which always matches the highest UID, even below n).
    const uidNext = BigInt(client.mailbox.uidNext ?? 0);
    for (let from = lastUid + 1n; ; from += UID_WINDOW) {
      const last = from + UID_WINDOW >= uidNext;
      const sizes = new Map<number, number>();
      for await (const message of client.fetch(last ? `${from}:*` : `${from}:${from + UID_WINDOW - 1n}`, { uid: true, size: true }, { uid: true })) {
        if (BigInt(message.uid) > lastUid) sizes.set(message.uid, message.size ?? 0);
      }
      const uids = [...sizes.keys()].sort((a, b) => a - b);
      await storeListed(uids, sizes);
      if (last) break;
    }
    // Caught up: later mail is new mail again.
    if (rescan) await db.mailbox.updateMany({ where: { id: target.mailboxId, rescanUidValidity: uidValidity }, data: { rescanUidValidity: null } });
    return result;
  } finally {
    lock.release();
  }
}
