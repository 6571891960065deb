/**
 * The reads of the ingest (services/ingest/ingest-stored-mail.ts), through the driver:
 * through Prisma these two reads cost more than the batch's writes.
 */
import type { ThreadedRow } from '../../domain/thread-batch.js';
import { sqlRunnerOf, type Db } from '../client.js';
import { dateOf, inList, sql } from '../sql-script.js';

export interface WaitingMailRow {
  id: number;
  mailboxId: number;
  messageId: string | null;
  receivedAt: Date;
  flags: string;
  /** The mailbox's channel. */
  channelId: string;
}

/** The rows of these mails that are still waiting to be understood. */
export async function waitingMailRows(db: Db, ids: readonly number[]): Promise<WaitingMailRow[]> {
  const rows = await sqlRunnerOf(
    db,
  ).query(sql`SELECT m."id", m."mailboxId", m."messageId", m."receivedAt", m."flags", b."channelId"
    FROM "Message" m JOIN "Mailbox" b ON b."id" = m."mailboxId"
    WHERE m."id" IN ${inList(ids, 'integer')} AND m."parseState" = 'stored'`);
  return rows.map((row) => ({
    id: row.id as number,
    mailboxId: row.mailboxId as number,
    messageId: row.messageId as string | null,
    receivedAt: dateOf(row.receivedAt),
    flags: row.flags as string,
    channelId: row.channelId as string,
  }));
}

/** The mails of these mailboxes with one of these Message-IDs that are in a ticket. */
export async function mailsInTickets(
  db: Db,
  mailboxIds: readonly number[],
  messageIds: readonly string[],
): Promise<ThreadedRow[]> {
  return (await sqlRunnerOf(db).query(sql`SELECT "id", "mailboxId", "messageId", "ticketId", "flags" FROM "Message"
    WHERE "mailboxId" IN ${inList(mailboxIds, 'integer')} AND "messageId" IN ${inList(messageIds, 'text')} AND "ticketId" IS NOT NULL`)) as unknown as ThreadedRow[];
}
