/**
 * Raw mail sources in and out of the database through the driver itself (better-sqlite3,
 * pg), not through Prisma: Prisma's driver-adapter path for `Bytes` held about six times a
 * mail's size in memory while writing it (+217 MiB for a 34 MiB mail) and twice while
 * reading. The cursor moves in the same driver transaction as the mail it passed, so the
 * "stored together or not at all" rule of store-raw-mail.ts holds.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from './database-url.js';
import { retryWhileBusy, sqliteDate } from './sql-script.js';

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

export type RawStoreResult = { stored: true; messageRowId: number } | { stored: false; duplicateOf: number };

export interface RawMailStore {
  /** Inserts the mails not yet known (by dedupe key) and moves the IMAP cursor, atomically. */
  storeBatch(rows: readonly RawMailRow[]): Promise<RawStoreResult[]>;
  readRaw(messageRowId: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

function sqliteStore(file: string): RawMailStore {
  // No busy timeout: better-sqlite3 would wait synchronously (see retryWhileBusy).
  const db = new Database(file, { timeout: 0 });
  db.pragma('synchronous = NORMAL');
  const find = db.prepare('SELECT id FROM "Message" WHERE "mailboxId" = ? AND "direction" = ? AND "dedupeKey" = ?');
  const insert = db.prepare(
    `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "imapFolder", "imapUidValidity", "imapUid", "receivedAt", "createdAt", "flags")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const cursor = db.prepare('UPDATE "Mailbox" SET "lastUid" = ?, "lastSyncAt" = ? WHERE "id" = ? AND "uidValidity" = ? AND "lastUid" < ?');
  const read = db.prepare('SELECT "raw" FROM "Message" WHERE "id" = ?');
  db.defaultSafeIntegers(false);
  const storeBatch = db.transaction((rows: readonly RawMailRow[]) => {
    const now = sqliteDate(new Date());
    const results: RawStoreResult[] = rows.map((row) => {
      const existing = find.get(row.mailboxId, row.direction, row.dedupeKey) as { id: number } | undefined;
      if (existing) return { stored: false, duplicateOf: existing.id };
      const info = insert.run(
        row.mailboxId, row.direction, row.dedupeKey, row.contentHash, row.raw, row.raw.byteLength, row.messageId,
        row.imap?.folder ?? null, row.imap ? BigInt(row.imap.uidValidity) : null, row.imap ? BigInt(row.imap.uid) : null,
        sqliteDate(row.receivedAt), now, row.flags,
      );
      return { stored: true, messageRowId: Number(info.lastInsertRowid) };
    });
    const last = rows.at(-1)?.imap;
    if (last) cursor.run(BigInt(last.uid), now, rows[0]!.mailboxId, BigInt(last.uidValidity), BigInt(last.uid));
    return results;
  });
  return {
    storeBatch: (rows) => retryWhileBusy(() => storeBatch.immediate(rows)),
    readRaw: async (id) => (read.get(id) as { raw: Buffer } | undefined)?.raw ?? null,
    close: async () => {
      db.close();
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

function postgresStore(url: string): RawMailStore {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    storeBatch: async (rows) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const results: RawStoreResult[] = [];
        for (const row of rows) {
          const existing = await client.query<{ id: number }>('SELECT id FROM "Message" WHERE "mailboxId" = $1 AND "direction" = $2 AND "dedupeKey" = $3', [row.mailboxId, row.direction, row.dedupeKey]);
          if (existing.rows[0]) {
            results.push({ stored: false, duplicateOf: existing.rows[0].id });
            continue;
          }
          const inserted = await client.query<{ id: number }>(
            `INSERT INTO "Message" ("mailboxId", "direction", "dedupeKey", "contentHash", "raw", "size", "messageId", "imapFolder", "imapUidValidity", "imapUid", "receivedAt", "createdAt", "flags")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() AT TIME ZONE 'UTC', $12) RETURNING id`,
            [row.mailboxId, row.direction, row.dedupeKey, row.contentHash, Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength), row.raw.byteLength, row.messageId,
              row.imap?.folder ?? null, row.imap ? String(row.imap.uidValidity) : null, row.imap ? String(row.imap.uid) : null, toUtcText(row.receivedAt), row.flags],
          );
          results.push({ stored: true, messageRowId: inserted.rows[0]!.id });
        }
        const last = rows.at(-1)?.imap;
        if (last) {
          await client.query('UPDATE "Mailbox" SET "lastUid" = $1, "lastSyncAt" = now() AT TIME ZONE \'UTC\' WHERE "id" = $2 AND "uidValidity" = $3 AND "lastUid" < $1', [String(last.uid), rows[0]!.mailboxId, String(last.uidValidity)]);
        }
        await client.query('COMMIT');
        return results;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    readRaw: async (id) => (await pool.query<{ raw: Buffer }>('SELECT "raw" FROM "Message" WHERE "id" = $1', [id])).rows[0]?.raw ?? null,
    close: () => pool.end(),
  };
}

export function openRawMailStore(target: DatabaseTarget): RawMailStore {
  return target.provider === 'sqlite' ? sqliteStore(target.file) : postgresStore(target.url);
}
