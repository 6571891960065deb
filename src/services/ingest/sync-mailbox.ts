/**
 * One sync pass over a mailbox's folder: fetch every mail above the stored cursor, oldest
 * first, and store each (storeRawMail moves the cursor with it). Read-only towards the
 * server: nothing is flagged, moved or deleted.
 *
 * First start ingests only mail arriving from now on (or the last N days with a backfill).
 * A changed UIDVALIDITY restarts the cursor at 0; mail already stored is recognised by its
 * dedupe key and not stored or posted again.
 *
 * The cursor never passes a mail that is neither stored nor remembered: a mail the server
 * will not give, leaves out of an answer, or that fails to be stored is recorded as a gap
 * (mail-gaps.ts) before the cursor moves past it, and retried from there. Only a
 * mail the server says it no longer has (UID SEARCH) is passed over without one.
 */
import type { ImapFlow } from 'imapflow';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logging/logger.js';
import { collectGarbage, COLLECT_AFTER_BYTES } from '../../util/collect-garbage.js';
import { closeGaps, dueGaps, forgetGapsOfOtherValidity, recordGapFailure, type GapPlace } from './mail-gaps.js';
import { storeRawMails, type FetchedMail, type StoreResult } from './store-raw-mail.js';
import { errorMessage } from '../../errors.js';
import { collectBytes } from '../../util/collect-bytes.js';

/**
 * Mails per FETCH and per commit: few round trips (a backlog of 5,000 took 4.3 s to fetch
 * and store at 20 a batch, 1.7 s at 100), and bounded memory for big attachments.
 */
const BATCH_MAILS = 100;
/** UIDs listed (with their sizes) per FETCH while catching up. */
const UID_WINDOW = 10_000n;
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Groups UIDs (ascending) so that each batch stays within the mail and byte budget. A mail
 * over `aloneAbove` (the size cap) is a batch of its own, so only its start is fetched.
 */
export function batchBySize(
  uids: readonly number[],
  sizes: ReadonlyMap<number, number>,
  aloneAbove = Infinity,
): number[][] {
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
  /** Mails recorded (or still) missing: the server would not give them or storing failed. */
  gaps: number;
  /** Gaps given up on in this pass (each posted in the channel). */
  givenUp: number;
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
async function alignCursor(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  logger: Logger,
): Promise<{ uidValidity: bigint; lastUid: bigint; rescan: boolean }> {
  const box = client.mailbox;
  if (!box) throw new Error('no mailbox selected');
  const row = await db.mailbox.findUniqueOrThrow({
    where: { id: target.mailboxId },
    select: { uidValidity: true, lastUid: true, rescanUidValidity: true },
  });
  // A rescan lasts until the cursor has passed the highest UID the folder had (see
  // syncMailboxOnce), across restarts.
  if (row.uidValidity === box.uidValidity)
    return { uidValidity: box.uidValidity, lastUid: row.lastUid, rescan: row.rescanUidValidity === box.uidValidity };
  const rescan = row.uidValidity !== null;
  const lastUid = rescan ? 0n : await startCursor(client, target, box.uidNext);
  if (rescan) {
    logger.warn(
      {
        code: 'imap_uidvalidity_changed',
        folder: target.folder,
        was: String(row.uidValidity),
        now: String(box.uidValidity),
      },
      'UIDVALIDITY changed: rescanning the folder; known mail is recognised and not posted again',
    );
  }
  await db.mailbox.update({
    where: { id: target.mailboxId },
    data: { uidValidity: box.uidValidity, lastUid, rescanUidValidity: rescan ? box.uidValidity : null },
  });
  await forgetGapsOfOtherValidity(db, {
    mailboxId: target.mailboxId,
    folder: target.folder,
    uidValidity: box.uidValidity,
  });
  return { uidValidity: box.uidValidity, lastUid, rescan };
}

/** What became of one listed mail in a pass. */
type Outcome = { uid: number; result: StoreResult } | { uid: number; gap: true; givenUp: boolean };

/** What the pass works on: the place of its UIDs, and the counts it reports. */
interface Pass {
  place: GapPlace;
  rescan: boolean;
  result: SyncPassResult;
}

/**
 * Records a failed try of the mail at `uid` as a gap. If even that cannot be written (the
 * database is down), the error propagates and the cursor stays before the mail.
 */
async function recordGap(db: Db, pass: Pass, uid: number, reason: string, logger: Logger): Promise<Outcome> {
  const givenUp = await recordGapFailure(db, pass.place, BigInt(uid), reason);
  if (givenUp)
    logger.error(
      { code: 'imap_mail_given_up', uid: String(uid), reason },
      'a mail could not be fetched or stored after a day of tries; it is still on the server (npm run retry-mail tries it again)',
    );
  else
    logger.warn(
      { code: 'imap_mail_gap', uid: String(uid), reason },
      'a mail could not be fetched or stored; it will be tried again',
    );
  return { uid, gap: true, givenUp };
}

/**
 * Stores a batch in one transaction; if that fails, mail by mail, so one mail that cannot
 * be stored does not hold back the others: it is recorded as a gap and retried.
 */
async function storeBatch(db: Db, pass: Pass, mails: FetchedMail[], logger: Logger): Promise<Outcome[]> {
  const uidOf = (mail: FetchedMail) => Number(mail.imap!.uid);
  try {
    return (await storeRawMails(db, mails)).map((result, index) => ({ uid: uidOf(mails[index]!), result }));
  } catch (batchError) {
    if (mails.length === 1)
      return [await recordGap(db, pass, uidOf(mails[0]!), `not stored: ${errorMessage(batchError)}`, logger)];
    const outcomes: Outcome[] = [];
    for (const mail of mails) {
      try {
        outcomes.push({ uid: uidOf(mail), result: (await storeRawMails(db, [mail]))[0]! });
      } catch (error) {
        outcomes.push(await recordGap(db, pass, uidOf(mail), `not stored: ${errorMessage(error)}`, logger));
      }
    }
    return outcomes;
  }
}

/** Moves the cursor up to `uid` (never back): every mail up to it is stored or remembered. */
async function moveCursorTo(db: Db, place: GapPlace, uid: bigint): Promise<void> {
  await db.mailbox.updateMany({
    where: { id: place.mailboxId, uidValidity: place.uidValidity, lastUid: { lt: uid } },
    data: { lastUid: uid },
  });
}

/** Which of `uids` the server still has: its UID SEARCH is the word on a mail being gone. */
async function stillOnServer(client: ImapFlow, uids: readonly number[]): Promise<Set<number>> {
  if (uids.length === 0) return new Set();
  const found = await client.search({ uid: uids.join(',') }, { uid: true });
  return new Set(found || []);
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
  const message = await client.fetchOne(
    String(uid),
    { uid: true, internalDate: true, source: { start: 0, maxLength: OVERSIZE_HEAD_BYTES } },
    { uid: true },
  );
  if (!message || !message.source) return null;
  return {
    uid,
    source: message.source,
    internalDate: message.internalDate instanceof Date ? message.internalDate : undefined,
    oversize: size,
  };
}

/** One mail's source by partial fetches (imapflow's download), copied into a buffer of `size`. */
async function downloadSource(client: ImapFlow, uid: number, size: number): Promise<FetchedSource | null> {
  const meta = await client.fetchOne(String(uid), { uid: true, internalDate: true }, { uid: true });
  const { content } = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK_BYTES });
  if (!meta || !content) return null;
  // RFC822.SIZE should be exact; a server that counts otherwise costs a copy, not the mail.
  const source = await collectBytes(size, content as AsyncIterable<Buffer>);
  return {
    uid,
    source,
    internalDate: meta.internalDate instanceof Date ? meta.internalDate : undefined,
  };
}

/** The batch's sources, in one fetch (or one ranged download for a single large mail). */
async function fetchSources(
  client: ImapFlow,
  batch: number[],
  sizes: ReadonlyMap<number, number>,
  maxBytes: number = Infinity,
): Promise<FetchedSource[]> {
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
    for await (const message of client.fetch(
      batch.join(','),
      { uid: true, source: true, internalDate: true },
      { uid: true },
    )) {
      if (message.source)
        fetched.push({
          uid: message.uid,
          source: message.source,
          internalDate: message.internalDate instanceof Date ? message.internalDate : undefined,
        });
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
 * The batch's sources, and the mails of it that are missing: refused by the server (NO /
 * BAD: Exchange's "could not be converted", Dovecot's SERVERBUG for a damaged file) or left
 * out of its answer. When the server refuses the batch, the mails are fetched one by one,
 * so one mail it cannot give does not hold back the others; a mail left out of a batch's
 * answer is asked for once more on its own (Gmail leaves mails out at times).
 */
async function fetchWithMissing(
  client: ImapFlow,
  target: SyncTarget,
  batch: number[],
  sizes: ReadonlyMap<number, number>,
): Promise<{ fetched: FetchedSource[]; missing: Map<number, string> }> {
  const missing = new Map<number, string>();
  let fetched: FetchedSource[] | undefined;
  try {
    fetched = await fetchSources(client, batch, sizes, target.maxMailBytes);
  } catch (error) {
    if (!refusedByServer(error)) throw error;
  }
  if (fetched && batch.length > 1) {
    const got = new Set(fetched.map((mail) => mail.uid));
    for (const uid of batch.filter((uid) => !got.has(uid)))
      fetched.push(...(await fetchSources(client, [uid], sizes, target.maxMailBytes)));
  } else if (!fetched) {
    fetched = [];
    for (const uid of batch) {
      try {
        fetched.push(...(await fetchSources(client, [uid], sizes, target.maxMailBytes)));
      } catch (error) {
        if (!refusedByServer(error)) throw error;
        missing.set(
          uid,
          `refused by the server: ${(error as { responseText?: string }).responseText ?? errorMessage(error)}`,
        );
      }
    }
  }
  const got = new Set(fetched.map((mail) => mail.uid));
  for (const uid of batch) if (!got.has(uid) && !missing.has(uid)) missing.set(uid, "left out of the server's answer");
  return { fetched, missing };
}

/**
 * Fetches the batch's mails and stores them; their sources are not held beyond this call.
 * A missing mail the server still has is recorded as a gap; one it no longer has is passed
 * over. Gaps are recorded before the mails after them are stored, so the cursor (moved
 * with each store) never passes a mail that is not remembered.
 */
async function fetchAndStore(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  pass: Pass,
  batch: number[],
  sizes: ReadonlyMap<number, number>,
  logger: Logger,
): Promise<Outcome[]> {
  const { fetched, missing } = await fetchWithMissing(client, target, batch, sizes);
  const outcomes: Outcome[] = [];
  if (missing.size) {
    const present = await stillOnServer(client, [...missing.keys()]);
    for (const [uid, reason] of missing) {
      if (present.has(uid)) outcomes.push(await recordGap(db, pass, uid, reason, logger));
      else
        logger.warn(
          { code: 'imap_mail_gone', uid: String(uid) },
          'the server no longer has this mail (deleted meanwhile); passed over',
        );
    }
  }
  fetched.sort((a, b) => a.uid - b.uid);
  const mails = fetched.map((message) => ({
    mailboxId: target.mailboxId,
    raw: message.source,
    internalDate: message.internalDate,
    imap: { folder: target.folder, uidValidity: pass.place.uidValidity, uid: BigInt(message.uid) },
    history:
      pass.rescan && !!target.historyBefore && !!message.internalDate && message.internalDate < target.historyBefore,
    oversize: message.oversize,
  }));
  if (mails.length) outcomes.push(...(await storeBatch(db, pass, mails, logger)));
  return outcomes;
}

/** Stores `uids` batch by batch and counts what became of them; returns the UIDs that are settled (stored, or duplicates). */
async function storeListed(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  pass: Pass,
  uids: number[],
  sizes: ReadonlyMap<number, number>,
  logger: Logger,
  onStored: (messageRowId: number) => void,
): Promise<bigint[]> {
  const settled: bigint[] = [];
  for (const batch of batchBySize(uids, sizes, target.maxMailBytes)) {
    const outcomes = await fetchAndStore(db, client, target, pass, batch, sizes, logger);
    // The batch's sources are garbage now (see collect-garbage.ts).
    if (batch.reduce((bytes, uid) => bytes + (sizes.get(uid) ?? 0), 0) >= COLLECT_AFTER_BYTES) collectGarbage();
    for (const outcome of outcomes) {
      if ('gap' in outcome) {
        pass.result.gaps += 1;
        if (outcome.givenUp) pass.result.givenUp += 1;
        continue;
      }
      settled.push(BigInt(outcome.uid));
      if (outcome.result.stored) {
        pass.result.stored += 1;
        onStored(outcome.result.messageRowId);
      } else {
        pass.result.duplicates += 1;
      }
    }
    // Every mail of the batch is stored, remembered as a gap, or gone from the server. The
    // store moved the cursor with the mails it stored; past a last mail it did not store,
    // it is moved here.
    const last = BigInt(batch[batch.length - 1]!);
    if (settled.at(-1) !== last) await moveCursorTo(db, pass.place, last);
  }
  return settled;
}

/**
 * Tries the gaps that are due again: a mail the server no longer has closes its gap, one
 * stored now too; one failing again waits longer (or is given up on).
 */
async function retryDueGaps(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  pass: Pass,
  logger: Logger,
  onStored: (messageRowId: number) => void,
): Promise<void> {
  const due = await dueGaps(db, pass.place);
  if (due.length === 0) return;
  const present = await stillOnServer(client, due.map(Number));
  const gone = due.filter((uid) => !present.has(Number(uid)));
  for (const uid of gone)
    logger.warn(
      { code: 'imap_mail_gone', uid: String(uid) },
      'a mail that could not be fetched is no longer on the server; its gap is closed',
    );
  await closeGaps(db, pass.place, gone);
  const sizes = new Map<number, number>();
  if (present.size) {
    for await (const message of client.fetch([...present].join(','), { uid: true, size: true }, { uid: true }))
      sizes.set(message.uid, message.size ?? 0);
  }
  const uids = [...present].sort((a, b) => a - b);
  const settled = await storeListed(db, client, target, pass, uids, sizes, logger, onStored);
  await closeGaps(db, pass.place, settled);
  if (settled.length)
    logger.info(
      { code: 'imap_gap_filled', uids: settled.map(String) },
      'mail that could not be fetched before is stored now',
    );
}

export async function syncMailboxOnce(
  db: Db,
  client: ImapFlow,
  target: SyncTarget,
  logger: Logger,
  onStored: (messageRowId: number) => void,
  /** False when the server has just announced the new count (IDLE): asking again costs a round trip. */
  askServer = true,
): Promise<SyncPassResult> {
  const lock = await client.getMailboxLock(target.folder, { readOnly: true });
  const result: SyncPassResult = { stored: 0, duplicates: 0, gaps: 0, givenUp: 0 };
  try {
    // Ask the server for news first: one whose IDLE is silent (Cyrus without `idled`)
    // reports a new message count only in answer to a command, and the count below would
    // otherwise still be the one from before the mail came.
    if (askServer) await client.noop();
    const { uidValidity, lastUid, rescan } = await alignCursor(db, client, target, logger);
    if (!client.mailbox || client.mailbox.exists === 0) return result;
    const pass: Pass = { place: { mailboxId: target.mailboxId, folder: target.folder, uidValidity }, rescan, result };
    await retryDueGaps(db, client, target, pass, logger, onStored);
    // UIDs and sizes above the cursor, a window of UIDs at a time, so a mailbox of a million
    // mails is listed in pages rather than held whole. The last window is open-ended
    // (`n:*`, which always matches the highest UID, even below n).
    const uidNext = BigInt(client.mailbox.uidNext ?? 0);
    for (let from = lastUid + 1n; ; from += UID_WINDOW) {
      const last = from + UID_WINDOW >= uidNext;
      const sizes = new Map<number, number>();
      for await (const message of client.fetch(
        last ? `${from}:*` : `${from}:${from + UID_WINDOW - 1n}`,
        { uid: true, size: true },
        { uid: true },
      )) {
        if (BigInt(message.uid) > lastUid) sizes.set(message.uid, message.size ?? 0);
      }
      const uids = [...sizes.keys()].sort((a, b) => a - b);
      await storeListed(db, client, target, pass, uids, sizes, logger, onStored);
      if (last) break;
    }
    // Caught up: later mail is new mail again.
    if (rescan)
      await db.mailbox.updateMany({
        where: { id: target.mailboxId, rescanUidValidity: uidValidity },
        data: { rescanUidValidity: null },
      });
    return result;
  } finally {
    lock.release();
  }
}

/** A pass is over, mail or not: /metrics reports the time since the last one (not written with every batch). */
export async function recordSyncPass(db: Db, mailboxId: number, at = new Date()): Promise<void> {
  await db.mailbox.update({ where: { id: mailboxId }, data: { lastSyncAt: at } });
}

/**
 * Records that the mailbox's IDLE is silent (from now, unless already recorded) or works
 * again: what `npm run doctor` reports.
 */
export async function recordIdleSilence(db: Db, mailboxId: number, silent: boolean, at = new Date()): Promise<void> {
  await db.mailbox.updateMany({
    where: { id: mailboxId, idleSilentSince: silent ? null : { not: null } },
    data: { idleSilentSince: silent ? at : null },
  });
}
