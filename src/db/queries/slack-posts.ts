/** The Slack post queue's row, as a statement of an SQL script (for the ingest commit). */
import { sql, type SqlScript } from '../sql-script.js';

export interface SlackPostRow {
  mailboxId: number;
  ticketId: number | null;
  channelId: string;
  kind: string;
  dedupeKey: string;
  /** JSON text. */
  payload: string;
  priority: number;
  nextAttemptAt: Date;
  createdAt: Date;
}

export function* insertSlackPost(row: SlackPostRow): SqlScript<void> {
  yield sql`INSERT INTO "SlackPost" ("mailboxId", "ticketId", "channelId", "kind", "dedupeKey", "payload", "priority", "nextAttemptAt", "createdAt")
    VALUES (${row.mailboxId}, ${row.ticketId}, ${row.channelId}, ${row.kind}, ${row.dedupeKey}, ${row.payload}, ${row.priority}, ${row.nextAttemptAt}, ${row.createdAt})`;
}
