/**
 * The statements of the ingest commit (services/ingest/commit-script.ts), each a step of an
 * SQL script (sql-script.ts) named by what it writes or answers. The script decides; these
 * only say it in SQL, so the commit's logic reads without its SQL and its SQL without
 * the logic.
 */
import type { AttachmentInfo } from '../../domain/parsed-mail.js';
import type { TicketMailAddresses } from '../../domain/ticket-participants.js';
import { MERGE_HOPS } from '../../domain/ticket-merge.js';
import { sql, type SqlScript } from '../sql-script.js';

/** The parsed fields written onto the stored Message row (NUL-free, see ingest-stored-mail.ts). */
export interface MessageFields {
  parseState: 'parsed' | 'failed';
  parseError: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string;
  fromAddress: string | null;
  fromName: string | null;
  replyTo: string | null;
  toAddresses: string;
  ccAddresses: string;
  subject: string | null;
  text: string;
  html: string | null;
  flags: string;
  sentAt: Date | null;
}

export interface CustomerFields {
  address: string;
  domain: string;
  name: string | null;
  freeMail: boolean;
  roleAddress: boolean;
  unreplyable: boolean;
  /** The mail was sent from this very address: only then may its name replace the one kept. */
  fromCustomer: boolean;
}

/**
 * Writes the mail's fields and ticket if it is still waiting; false when another worker
 * finished it meanwhile. One statement, because each update rewrites the whole row, raw
 * source included.
 */
export function* claimWaitingMessage(messageRowId: number, ticketId: number, f: MessageFields): SqlScript<boolean> {
  const claimed =
    yield sql`UPDATE "Message" SET "ticketId" = ${ticketId}, "parseState" = ${f.parseState}, "parseError" = ${f.parseError}, "messageId" = ${f.messageId},
    "inReplyTo" = ${f.inReplyTo}, "references" = ${f.references}, "fromAddress" = ${f.fromAddress}, "fromName" = ${f.fromName},
    "replyTo" = ${f.replyTo}, "toAddresses" = ${f.toAddresses}, "ccAddresses" = ${f.ccAddresses}, "subject" = ${f.subject},
    "text" = ${f.text}, "html" = ${f.html}, "flags" = ${f.flags}, "sentAt" = ${f.sentAt}
    WHERE "id" = ${messageRowId} AND "parseState" = 'stored' RETURNING "id"`;
  return claimed.length > 0;
}

export function* insertAttachment(messageRowId: number, a: AttachmentInfo, now: Date): SqlScript<void> {
  yield sql`INSERT INTO "Attachment" ("messageId", "filename", "contentType", "size", "contentId", "inline", "checksum", "content", "createdAt")
    VALUES (${messageRowId}, ${a.filename}, ${a.contentType}, ${a.size}, ${a.contentId}, ${a.inline}, ${a.checksum}, ${a.content}, ${now})`;
}

export interface TicketToFollow {
  status: string;
  slackChannelId: string | null;
  slackTs: string | null;
  customerAddress: string | null;
  /** The ticket it was merged into, where its mail goes now. */
  mergedIntoId: number | null;
  /** Other tickets were merged into it: its message shows how many mails it has, and the last. */
  hasMergedIn: boolean;
}

/** What a follow-up needs of its ticket: its status, where it is posted, its customer, its merges. */
export function* ticketToFollow(ticketId: number): SqlScript<TicketToFollow | undefined> {
  const [row] =
    yield sql`SELECT t."status", t."slackChannelId", t."slackTs", c."address" AS "customerAddress", t."mergedIntoId",
    CASE WHEN EXISTS (SELECT 1 FROM "Ticket" m WHERE m."mergedIntoId" = t."id") THEN 1 ELSE 0 END AS "hasMergedIn"
    FROM "Ticket" t LEFT JOIN "Customer" c ON c."id" = t."customerId" WHERE t."id" = ${ticketId}`;
  if (!row) return undefined;
  return {
    ...(row as Omit<TicketToFollow, 'mergedIntoId' | 'hasMergedIn'>),
    mergedIntoId: row.mergedIntoId === null ? null : Number(row.mergedIntoId),
    hasMergedIn: Number(row.hasMergedIn) === 1,
  };
}

/**
 * The ticket that holds ticket `ticketId`'s mails now: that one, or the one it was merged
 * into, and on (a ticket merged into one merged later); undefined when one is missing.
 */
export function* followMerges(ticketId: number): SqlScript<{ ticketId: number; ticket: TicketToFollow } | undefined> {
  for (let id = ticketId, hop = 0; hop < MERGE_HOPS; hop += 1) {
    const ticket = yield* ticketToFollow(id);
    if (!ticket) return undefined;
    if (ticket.mergedIntoId === null) return { ticketId: id, ticket };
    id = ticket.mergedIntoId;
  }
  throw new Error(`ticket ${ticketId} is merged more than ${MERGE_HOPS} times over`);
}

/** The category of a mailbox's own status of that key; undefined when it is a built-in one. */
export function* customStatusCategory(mailboxId: number, key: string): SqlScript<string | undefined> {
  const [row] = yield sql`SELECT "category" FROM "CustomStatus" WHERE "mailboxId" = ${mailboxId} AND "key" = ${key}`;
  return row?.category as string | undefined;
}

/**
 * A mail came into the ticket; `reopen`: it was closed and opens again. False when the
 * ticket has been merged into another meanwhile (the mail then goes there).
 */
export function* recordTicketMail(ticketId: number, receivedAt: Date, now: Date, reopen: boolean): SqlScript<boolean> {
  const updated = yield reopen
    ? sql`UPDATE "Ticket" SET "lastMessageAt" = ${receivedAt}, "status" = 'open', "reopenedAt" = ${now}, "closedAt" = NULL, "updatedAt" = ${now}
      WHERE "id" = ${ticketId} AND "mergedIntoId" IS NULL RETURNING "id"`
    : sql`UPDATE "Ticket" SET "lastMessageAt" = ${receivedAt}, "updatedAt" = ${now}
      WHERE "id" = ${ticketId} AND "mergedIntoId" IS NULL RETURNING "id"`;
  return updated.length > 0;
}

/** Whether a post with this dedupe key was ever queued. */
export function* postQueued(dedupeKey: string): SqlScript<boolean> {
  const [row] = yield sql`SELECT "id" FROM "SlackPost" WHERE "dedupeKey" = ${dedupeKey}`;
  return row !== undefined;
}

/** The ticket's first mail (its id), if it has any. */
export function* firstMailOf(ticketId: number): SqlScript<number | undefined> {
  const [row] = yield sql`SELECT "id" FROM "Message" WHERE "ticketId" = ${ticketId} ORDER BY "id" ASC LIMIT 1`;
  return row?.id as number | undefined;
}

/** The address columns of every mail of the ticket (who is on it). */
export function* addressesOnTicket(ticketId: number): SqlScript<TicketMailAddresses[]> {
  return (yield sql`SELECT "fromAddress", "replyTo", "toAddresses", "ccAddresses", "flags" FROM "Message" WHERE "ticketId" = ${ticketId}`) as unknown as TicketMailAddresses[];
}

/** The mailbox's next ticket number, taken. */
export function* takeTicketNumber(mailboxId: number, now: Date): SqlScript<number> {
  const [mailbox] = yield sql`UPDATE "Mailbox" SET "nextTicketNumber" = "nextTicketNumber" + 1, "updatedAt" = ${now}
    WHERE "id" = ${mailboxId} RETURNING "nextTicketNumber"`;
  return (mailbox!.nextTicketNumber as number) - 1;
}

export interface NewTicketRow {
  mailboxId: number;
  number: number;
  subject: string;
  customerId: number | null;
  status: string;
  urgency: string;
  assigneeId: string | null;
  claimedAt: Date | null;
  junk: boolean;
  /** JSON text. */
  tags: string;
  slackChannelId: string;
  createdAt: Date;
  updatedAt: Date;
  lastMessageAt: Date;
  closedAt: Date | null;
}

export function* insertTicket(t: NewTicketRow): SqlScript<number> {
  const [row] =
    yield sql`INSERT INTO "Ticket" ("mailboxId", "number", "subject", "customerId", "status", "urgency", "assigneeId", "claimedAt",
      "junk", "tags", "slackChannelId", "createdAt", "updatedAt", "lastMessageAt", "closedAt")
    VALUES (${t.mailboxId}, ${t.number}, ${t.subject}, ${t.customerId}, ${t.status}, ${t.urgency}, ${t.assigneeId},
      ${t.claimedAt}, ${t.junk}, ${t.tags}, ${t.slackChannelId}, ${t.createdAt}, ${t.updatedAt}, ${t.lastMessageAt}, ${t.closedAt})
    RETURNING "id"`;
  return row!.id as number;
}

/**
 * The customer by address, created on first contact. A name the mail gives replaces the
 * kept one only when the customer sent it from that address (`fromCustomer`).
 */
export function* upsertCustomer(customer: CustomerFields, now: Date): SqlScript<number> {
  const [row] =
    yield sql`INSERT INTO "Customer" ("address", "domain", "name", "freeMail", "roleAddress", "unreplyable", "createdAt", "updatedAt")
    VALUES (${customer.address}, ${customer.domain}, ${customer.name}, ${customer.freeMail}, ${customer.roleAddress}, ${customer.unreplyable}, ${now}, ${now})
    ON CONFLICT ("address") DO UPDATE SET "updatedAt" = excluded."updatedAt",
      "name" = COALESCE(CASE WHEN ${customer.fromCustomer} THEN excluded."name" END, "Customer"."name")
    RETURNING "id"`;
  return row!.id as number;
}

/**
 * How many posts of this kind for the customer's newest tickets wait to be posted in the
 * channel, counted up to `atMost` (the caller asks whether there are that many). Posts wait
 * on a customer's newest tickets (the older ones were posted), so only the last
 * RECENT_TICKETS are looked at: a regular with hundreds of tickets costs no more than a new
 * customer. From the customer's tickets outwards (CROSS JOIN fixes SQLite's join order):
 * from the posts waiting in the channel it was a scan of the whole queue per new ticket.
 */
export function* customerPostsWaiting(
  customerId: number,
  channelId: string,
  kind: string,
  atMost: number,
): SqlScript<number> {
  const [row] = yield sql`SELECT COUNT(*) AS "n" FROM (SELECT 1
    FROM (SELECT "id" FROM "Ticket" WHERE "customerId" = ${customerId} ORDER BY "id" DESC LIMIT ${RECENT_TICKETS}) t
    CROSS JOIN "SlackPost" p
    WHERE p."ticketId" = t."id" AND p."channelId" = ${channelId} AND p."kind" = ${kind} AND p."state" IN ('queued', 'posting')
    LIMIT ${atMost}) AS "waiting"`;
  return Number(row?.n ?? 0);
}

const RECENT_TICKETS = 20;

/** An audit record of Mailroom's own doing (actor `system`); returns its id. */
export function* insertSystemAudit(
  mailboxId: number,
  ticketId: number,
  action: string,
  detail: object,
  now: Date,
): SqlScript<number> {
  const [row] = yield sql`INSERT INTO "AuditLog" ("mailboxId", "ticketId", "actorId", "action", "detail", "createdAt")
    VALUES (${mailboxId}, ${ticketId}, 'system', ${action}, ${JSON.stringify(detail)}, ${now}) RETURNING "id"`;
  return row!.id as number;
}
