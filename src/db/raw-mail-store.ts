/**
 * Raw mail sources in and out of the database through the driver itself (better-sqlite3,
 * pg), not through Prisma: Prisma's driver-adapter path for `Bytes` held about six times a
 * mail's size in memory while writing it (+217 MiB for a 34 MiB mail) and twice while
 * reading. The cursor moves in the same driver transaction as the mail it passed, so the
 * "stored together or not at all" rule of store-raw-mail.ts holds.
 *
 * A source larger than RAW_PART_BYTES is written in parts: its first MiB in Message.raw,
 * the rest in MessageRawPart rows of a MiB each, and read back the same way. Given a 34 MiB
 * value, better-sqlite3 copies it to bind it and SQLite copies it again to build the row
 * (+68 MiB for a moment, the bot's peak), and reading it back costs SQLite's copy and
 * the JavaScript one; in parts, each copy is a MiB. It also keeps Message rows small, so
 * reading a column stored after `raw` does not walk 34 MiB of overflow pages.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { inPgTransaction, type Driver } from './driver.js';
import { retryWhileBusy, sqliteDate } from './sql-script.js';
import { DamagedSourceError } from '../errors.js';
import type { RawSource } from '../util/raw-source.js';
import { inPartsOf } from '../util/fixed-parts.js';

/** The size of Message.raw and of each MessageRawPart. */
export const RAW_PART_BYTES = 1024 * 1024;

export interface RawMailRow {
  mailboxId: number;
  direction: 'in';
  dedupeKey: string;
  contentHash: string;
  raw: Uint8Array;
  messageId: string | null;
  receivedAt: Date;
  flags: string;
  imap?: { folder: string; uidValidity: bigint; uid: bigint };
}

/** An outgoing mail's bytes as staged (see RawMailStore.stageOutgoing). */
export interface StagedMail {
  messageRowId: number;
  size: number;
  /** SHA-256 of the bytes, hex. */
  contentHash: string;
}

export type RawStoreResult = { stored: true; messageRowId: number } | { stored: false; duplicateOf: number };

export interface RawMailStore {
  /** Inserts the mails not yet known (by dedupe key) and moves the IMAP cursor, atomically. */
  storeBatch(rows: readonly RawMailRow[]): Promise<RawStoreResult[]>;
  /**
   * The stored source, to be read part by part; null when there is no such mail (or, with
   * `onlyWaiting`, when it is no longer waiting to be parsed).
   */
  openRaw(messageRowId: number, options?: { onlyWaiting?: boolean }): Promise<RawSource | null>;
  /**
   * Stores an outgoing mail's bytes while they are being built, a part at a time, in a
   * Message row of its own (direction `out`, parseState `staged`) that nothing reads until
   * the transaction that queues the mail adopts it (enqueue-reply.ts). Building and storing
   * a reply with a 20 MB attachment then holds a MiB or two, not the whole mail (and not
   * Prisma's several copies of it, nor its slow handling of bytes: ~0.1–0.5 s per MiB).
   */
  stageOutgoing(mail: { mailboxId: number; messageId: string; bytes: AsyncIterable<Uint8Array> }): Promise<StagedMail>;
  /** Removes a staged mail that was not adopted; an adopted one (no longer `staged`) is left alone. */
  discardStaged(messageRowId: number): Promise<void>;
  /** Removes the staged mails created before `before`: left by a process that stopped in between. */
  discardStaleStaged(before: Date): Promise<number>;
}

/** How a provider writes a staged mail: its first part with the row, then the rest, then its size and hash. */
interface StagingWrites {
  insertHead(mail: { mailboxId: number; messageId: string }, head: Uint8Array): Promise<number>;
  insertPart(messageRowId: number, seq: number, data: Uint8Array): Promise<void>;
  finish(messageRowId: number, size: number, contentHash: string): Promise<void>;
  discard(messageRowId: number): Promise<void>;
}

async function stage(
  writes: StagingWrites,
  mail: { mailboxId: number; messageId: string; bytes: AsyncIterable<Uint8Array> },
): Promise<StagedMail> {
  const hash = createHash('sha256');
  let messageRowId: number | undefined;
  let size = 0;
  try {
    let seq = 0;
    for await (const part of inPartsOf(RAW_PART_BYTES, mail.bytes)) {
      hash.update(part);
      size += part.byteLength;
      if (messageRowId === undefined) messageRowId = await writes.insertHead(mail, part);
      else await writes.insertPart(messageRowId, seq, part);
      seq += 1;
    }
    const contentHash = hash.digest('hex');
    await writes.finish(messageRowId!, size, contentHash);
    return { messageRowId: messageRowId!, size, contentHash };
  } catch (error) {
    // Half a mail is of no use to anyone: gone at once rather than at the next sweep.
    if (messageRowId !== undefined) await writes.discard(messageRowId).catch(() => {});
    throw error;
  }
}

/** Parts first (they refer to the row), and only while the row is still staged. */
const DISCARD_STAGED_PARTS = `DELETE FROM "MessageRawPart" WHERE "messageRowId" IN (SELECT "id" FROM "Message" WHERE "id" = ? AND "parseState" = 'staged')`;
const DISCARD_STAGED_ROW = `DELETE FROM "Message" WHERE "id" = ? AND "parseState" = 'staged'`;
const STALE_STAGED = `SELECT "id" FROM "Message" WHERE "direction" = 'out' AND "parseState" = 'staged' AND "createdAt" < ?`;
const FINISH_STAGED = 'UPDATE "Message" SET "size" = ?, "contentHash" = ? WHERE "id" = ?';
const INSERT_PART = 'INSERT INTO "MessageRawPart" ("messageRowId", "seq", "data") VALUES (?, ?, ?)';

/** The same statement with PostgreSQL's numbered placeholders. */
function numbered(text: string): string {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
}

/** The pieces a source is stored in (views, not copies): part 0 goes in Message.raw. */
export function partsOf<T extends Uint8Array>(raw: T): T[] {
  const parts: T[] = [];
  for (let offset = 0; offset === 0 || offset < raw.byteLength; offset += RAW_PART_BYTES)
    parts.push(raw.subarray(offset, offset + RAW_PART_BYTES) as T);
  return parts;
}

/** A source over one driver's reads: its head row, then its parts one by one. */
function rawSource(
  head: Uint8Array,
  size: number,
  readPart: (seq: number) => Promise<Uint8Array | undefined>,
): RawSource {
  return {
    size,
    head,
    async *parts() {
      // A copy: a part yielded may be moved to another thread (detached), and `head` must
      // stay readable for the next reading of the parts.
      let read = head.byteLength;
      yield new Uint8Array(head);
      for (let seq = 1; read < size; seq += 1) {
        const part = await readPart(seq);
        if (!part) throw new DamagedSourceError(`part ${seq} of a stored raw source is missing`);
        read += part.byteLength;
        yield part;
      }
    },
  };
}

function sqliteStore(db: Database.Database): RawMailStore {
  const find = db.prepare('SELECT id FROM "Message" WHERE "mailboxId" = ? AND "direction" = ? AND "dedupeKey" = ?');
  const insert = db.prepare(
    `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "imapFolder", "imapUidValidity", "imapUid", "receivedAt", "createdAt", "flags")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPart = db.prepare(INSERT_PART);
  // lastSyncAt is written after each sync pass (recordSyncPass), not with every batch.
  const cursor = db.prepare(
    'UPDATE "Mailbox" SET "lastUid" = ? WHERE "id" = ? AND "uidValidity" = ? AND "lastUid" < ?',
  );
  const readHead = db.prepare('SELECT "raw", "size" FROM "Message" WHERE "id" = ?');
  const readWaitingHead = db.prepare(`SELECT "raw", "size" FROM "Message" WHERE "id" = ? AND "parseState" = 'stored'`);
  const readPart = db.prepare('SELECT "data" FROM "MessageRawPart" WHERE "messageRowId" = ? AND "seq" = ?');
  const storeBatch = db.transaction((rows: readonly RawMailRow[]) => {
    const now = sqliteDate(new Date());
    const results: RawStoreResult[] = rows.map((row) => {
      const existing = find.get(row.mailboxId, row.direction, row.dedupeKey) as { id: number } | undefined;
      if (existing) return { stored: false, duplicateOf: existing.id };
      const [head, ...rest] = partsOf(row.raw);
      const info = insert.run(
        row.mailboxId,
        row.direction,
        row.dedupeKey,
        row.contentHash,
        head,
        row.raw.byteLength,
        row.messageId,
        row.imap?.folder ?? null,
        row.imap ? BigInt(row.imap.uidValidity) : null,
        row.imap ? BigInt(row.imap.uid) : null,
        sqliteDate(row.receivedAt),
        now,
        row.flags,
      );
      const messageRowId = Number(info.lastInsertRowid);
      rest.forEach((part, index) => insertPart.run(messageRowId, index + 1, part));
      return { stored: true, messageRowId };
    });
    const last = rows.at(-1)?.imap;
    if (last) cursor.run(BigInt(last.uid), rows[0]!.mailboxId, BigInt(last.uidValidity), BigInt(last.uid));
    return results;
  });
  const insertStagedHead = db.prepare(
    `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "receivedAt", "createdAt", "parseState")
     VALUES (?, 'out', ?, '', ?, 0, ?, ?, ?, 'staged')`,
  );
  const finishStaged = db.prepare(FINISH_STAGED);
  const discardParts = db.prepare(DISCARD_STAGED_PARTS);
  const discardRow = db.prepare(DISCARD_STAGED_ROW);
  const staleStaged = db.prepare(STALE_STAGED);
  const discard = db.transaction((id: number) => {
    discardParts.run(id);
    return discardRow.run(id).changes;
  });
  const writes: StagingWrites = {
    insertHead: (mail, head) =>
      retryWhileBusy(() => {
        const now = sqliteDate(new Date());
        return Number(
          insertStagedHead.run(mail.mailboxId, mail.messageId, head, mail.messageId, now, now).lastInsertRowid,
        );
      }),
    insertPart: async (id, seq, data) => void (await retryWhileBusy(() => insertPart.run(id, seq, data))),
    finish: async (id, size, contentHash) => void (await retryWhileBusy(() => finishStaged.run(size, contentHash, id))),
    discard: async (id) => void (await retryWhileBusy(() => discard.immediate(id))),
  };
  return {
    stageOutgoing: (mail) => stage(writes, mail),
    discardStaged: writes.discard,
    discardStaleStaged: async (before) => {
      const rows = staleStaged.all(sqliteDate(before)) as { id: number }[];
      let removed = 0;
      for (const { id } of rows) removed += await retryWhileBusy(() => discard.immediate(id));
      return removed;
    },
    storeBatch: (rows) => retryWhileBusy(() => storeBatch.immediate(rows)),
    openRaw: async (id, { onlyWaiting = false } = {}) => {
      const row = (onlyWaiting ? readWaitingHead : readHead).get(id) as { raw: Buffer; size: number } | undefined;
      return row
        ? rawSource(row.raw, row.size, async (seq) => (readPart.get(id, seq) as { data: Buffer } | undefined)?.data)
        : null;
    },
  };
}

/**
 * Timestamps without time zone hold UTC, as Prisma writes them; pg would send a Date, and
 * now() would give, the server's local time.
 */
function toUtcText(date: Date): string {
  return date.toISOString();
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function postgresStore(pool: pg.Pool): RawMailStore {
  const discard = (id: number): Promise<number> =>
    inPgTransaction(pool, async (client) => {
      await client.query(numbered(DISCARD_STAGED_PARTS), [id]);
      return (await client.query(numbered(DISCARD_STAGED_ROW), [id])).rowCount ?? 0;
    });
  const writes: StagingWrites = {
    insertHead: async (mail, head) =>
      (
        await pool.query<{ id: number }>(
          `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "receivedAt", "createdAt", "parseState")
           VALUES ($1, 'out', $2, '', $3, 0, $2, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 'staged') RETURNING id`,
          [mail.mailboxId, mail.messageId, asBuffer(head)],
        )
      ).rows[0]!.id,
    insertPart: async (id, seq, data) => void (await pool.query(numbered(INSERT_PART), [id, seq, asBuffer(data)])),
    finish: async (id, size, contentHash) => void (await pool.query(numbered(FINISH_STAGED), [size, contentHash, id])),
    discard: async (id) => void (await discard(id)),
  };
  return {
    stageOutgoing: (mail) => stage(writes, mail),
    discardStaged: writes.discard,
    discardStaleStaged: async (before) => {
      const rows = (await pool.query<{ id: number }>(numbered(STALE_STAGED), [toUtcText(before)])).rows;
      let removed = 0;
      for (const { id } of rows) removed += await discard(id);
      return removed;
    },
    storeBatch: (rows) =>
      inPgTransaction(pool, async (client) => {
        const results: RawStoreResult[] = [];
        for (const row of rows) {
          const existing = await client.query<{ id: number }>(
            'SELECT id FROM "Message" WHERE "mailboxId" = $1 AND "direction" = $2 AND "dedupeKey" = $3',
            [row.mailboxId, row.direction, row.dedupeKey],
          );
          if (existing.rows[0]) {
            results.push({ stored: false, duplicateOf: existing.rows[0].id });
            continue;
          }
          const [head, ...rest] = partsOf(row.raw);
          const inserted = await client.query<{ id: number }>(
            `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "imapFolder", "imapUidValidity", "imapUid", "receivedAt", "createdAt", "flags")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() AT TIME ZONE 'UTC', $12) RETURNING id`,
            [
              row.mailboxId,
              row.direction,
              row.dedupeKey,
              row.contentHash,
              asBuffer(head!),
              row.raw.byteLength,
              row.messageId,
              row.imap?.folder ?? null,
              row.imap ? String(row.imap.uidValidity) : null,
              row.imap ? String(row.imap.uid) : null,
              toUtcText(row.receivedAt),
              row.flags,
            ],
          );
          const messageRowId = inserted.rows[0]!.id;
          for (const [index, part] of rest.entries()) {
            await client.query(numbered(INSERT_PART), [messageRowId, index + 1, asBuffer(part)]);
          }
          results.push({ stored: true, messageRowId });
        }
        const last = rows.at(-1)?.imap;
        if (last) {
          await client.query(
            'UPDATE "Mailbox" SET "lastUid" = $1 WHERE "id" = $2 AND "uidValidity" = $3 AND "lastUid" < $1',
            [String(last.uid), rows[0]!.mailboxId, String(last.uidValidity)],
          );
        }
        return results;
      }),
    openRaw: async (id, { onlyWaiting = false } = {}) => {
      const waiting = onlyWaiting ? ` AND "parseState" = 'stored'` : '';
      const row = (
        await pool.query<{ raw: Buffer; size: number }>(
          `SELECT "raw", "size" FROM "Message" WHERE "id" = $1${waiting}`,
          [id],
        )
      ).rows[0];
      const readPart = async (seq: number) =>
        (
          await pool.query<{ data: Buffer }>(
            'SELECT "data" FROM "MessageRawPart" WHERE "messageRowId" = $1 AND "seq" = $2',
            [id, seq],
          )
        ).rows[0]?.data;
      return row ? rawSource(row.raw, row.size, readPart) : null;
    },
  };
}

/** The store over the database's driver connection (driver.ts), which it does not own. */
export function rawMailStoreOver(driver: Driver): RawMailStore {
  return driver.provider === 'sqlite' ? sqliteStore(driver.sqlite) : postgresStore(driver.pool);
}
