/**
 * Understands one stored mail: parse (in a worker), classify, thread it into its ticket or
 * open a new ticket, and queue the Slack posts, all committed in one transaction, so after
 * a crash a mail is either untouched (and done again) or fully done (and never again).
 *
 * A mail mailparser cannot read is still posted with what could be read from its raw
 * headers, flagged as unreadable; its source stays stored unchanged.
 */
import { rawMailStoreOf, type Db } from '../db/client.js';
import { classifyMail, customerAddressOf, domainOf, senderFlags } from '../domain/classify-mail.js';
import { DEFAULT_STATUSES, statusCategory } from '../domain/ticket-fields.js';
import type { Logger } from '../logging/logger.js';
import { applyRoutingRules, ZRoutingRule, type MailFacts, type RoutingActions, type TRoutingRule } from '../domain/routing.js';
import { fallbackParse } from '../mail/fallback-parse.js';
import { cleanMessageId, readRawHeaders, type RawHeaderReader } from '../mail/raw-headers.js';
import { needsThreadFiles } from './load-thread-files.js';
import type { ParsedMail } from '../mail/parsed-mail.js';
import type { ParseOptions } from '../mail/parse-pool.js';

export interface MailParser {
  parse(raw: Uint8Array, options?: ParseOptions): Promise<ParsedMail>;
}

export interface IngestDeps {
  /** The mailbox's routing rules; the queue caches them per round (default: read each time). */
  routingRules?: (mailboxId: number) => Promise<TRoutingRule[]>;
  db: Db;
  parser: MailParser;
  logger: Logger;
  /** Our own support addresses (loop detection). */
  ownAddresses: readonly string[];
}

export type IngestOutcome = { kind: 'new_ticket'; ticketId: number } | { kind: 'follow_up'; ticketId: number } | { kind: 'already_done' };

/** Post kinds queued for Slack. */
export const POST_KINDS = { ticket: 'ticket', mailBody: 'mail_body', followUp: 'follow_up', files: 'files' } as const;

/** Parses the raw source, which is handed over to the parser: it is not usable afterwards. */
async function parseOrFallback(deps: IngestDeps, raw: Uint8Array, messageRowId: number): Promise<{ mail: ParsedMail; error: string | null }> {
  try {
    return { mail: await deps.parser.parse(raw, { handOver: true }), error: null };
  } catch (error) {
    const message = (error as Error).message;
    deps.logger.warn({ code: 'mail_parse_failed', messageRowId, err: message }, 'mail could not be parsed; posting what could be read');
    const again = await rawMailStoreOf(deps.db).readRaw(messageRowId);
    return { mail: fallbackParse(again ?? new Uint8Array()), error: message };
  }
}

/**
 * The stored ticket a mail answers, by In-Reply-To and References only (never the
 * subject); for a bounce also by the Message-ID of the mail it reports on.
 */
async function findThreadTicket(db: Db, mailboxId: number, mail: ParsedMail, bounce: boolean): Promise<number | null> {
  const reported = bounce ? mail.reportedMessageIds : [];
  const ids = [...new Set([mail.inReplyTo, ...mail.references, ...reported].map(cleanMessageId).filter((id): id is string => !!id))];
  if (ids.length === 0) return null;
  const match = await db.message.findFirst({
    where: { mailboxId, messageId: { in: ids }, ticketId: { not: null } },
    orderBy: { id: 'desc' },
    select: { ticketId: true },
  });
  return match?.ticketId ?? null;
}

/** The attachments (and an over-long text as a file) follow the mail into the thread. */
function filesPost(mailboxId: number, ticketId: number, channelId: string, messageRowId: number, mail: ParsedMail) {
  if (!needsThreadFiles(mail)) return [];
  return [{ mailboxId, ticketId, channelId, kind: POST_KINDS.files, dedupeKey: `files:${messageRowId}`, payload: JSON.stringify({ messageRowId }) }];
}

function routedFields(routing: RoutingActions) {
  return {
    ...(routing.urgency ? { urgency: routing.urgency } : {}),
    ...(routing.status ? { status: routing.status } : {}),
    ...(routing.assignee ? { assigneeId: routing.assignee, claimedAt: new Date() } : {}),
    ...(routing.junk ? { junk: true } : {}),
    ...(routing.tags.length ? { tags: JSON.stringify(routing.tags) } : {}),
  };
}

/**
 * Text from mail may hold NUL characters (a quoted-printable =00, say), which PostgreSQL
 * refuses in text columns; they carry nothing readable, so they are left out.
 */
function withoutNul<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? stripNul(value) : value])) as T;
}

function stripNul(text: string): string {
  return text.replace(/\u0000/g, '');
}

function customerUpsert(customer: { name: string; address: string }) {
  const { freeMail, roleAddress, unreplyable } = senderFlags(customer);
  const name = stripNul(customer.name) || null;
  return {
    where: { address: customer.address },
    create: { address: customer.address, domain: domainOf(customer.address), name, freeMail, roleAddress, unreplyable },
    update: name ? { name } : {},
  };
}

export interface IngestOptions {
  /** False for history imports: the ticket is kept, nothing is posted to Slack. */
  announce?: boolean;
}

/** The mailbox's enabled routing rules in order; a rule that no longer validates is skipped and logged. */
export async function loadRoutingRules(deps: IngestDeps, mailboxId: number): Promise<TRoutingRule[]> {
  const rows = await deps.db.routingRule.findMany({ where: { mailboxId, enabled: true }, orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  return rows.flatMap((row) => {
    const rule = ZRoutingRule.safeParse({ name: row.name, when: JSON.parse(row.conditions), then: JSON.parse(row.actions) });
    if (rule.success) return [rule.data];
    deps.logger.warn({ code: 'routing_rule_invalid', ruleId: row.id, name: row.name }, 'routing rule skipped: it no longer validates');
    return [];
  });
}

function mailFacts(mail: ParsedMail, header: RawHeaderReader): MailFacts {
  return {
    from: mail.from?.address ?? '',
    to: [...mail.to, ...mail.cc].map((address) => address.address),
    subject: mail.subject ?? '',
    body: mail.text,
    header,
  };
}

/** A stored mail read and parsed, ready to be committed; nothing written yet. */
export interface PreparedMail {
  messageRowId: number;
  mail: ParsedMail | null;
  error: string | null;
  /** The raw source's headers (the source itself went to the parser). */
  header: RawHeaderReader | null;
}

/**
 * The slow, write-free half: parse the stored source (in a worker). The queue runs this
 * for the next few mails while it commits the current one.
 */
export async function prepareStoredMail(deps: IngestDeps, messageRowId: number): Promise<PreparedMail> {
  const row = await deps.db.message.findUnique({ where: { id: messageRowId }, select: { parseState: true } });
  const raw = row?.parseState === 'stored' ? await rawMailStoreOf(deps.db).readRaw(messageRowId) : null;
  if (!raw) return { messageRowId, mail: null, error: null, header: null };
  // Read before the bytes go to the parser: routing rules may look at any header.
  const header = readRawHeaders(raw);
  return { messageRowId, header, ...(await parseOrFallback(deps, raw, messageRowId)) };
}

export async function ingestStoredMail(deps: IngestDeps, messageRowId: number, options: IngestOptions = {}): Promise<IngestOutcome> {
  return commitStoredMail(deps, await prepareStoredMail(deps, messageRowId), options);
}

/** The ordered half: thread, route and store the outcome in one transaction. */
export async function commitStoredMail(deps: IngestDeps, prepared: PreparedMail, options: IngestOptions = {}): Promise<IngestOutcome> {
  const { db } = deps;
  const { mail, error, header } = prepared;
  if (!mail || !header) return { kind: 'already_done' };
  const row = await db.message.findUnique({
    where: { id: prepared.messageRowId },
    select: { id: true, mailboxId: true, parseState: true, messageId: true, receivedAt: true, flags: true, mailbox: { select: { channelId: true } } },
  });
  if (!row || row.parseState !== 'stored') return { kind: 'already_done' };
  // Mail marked history when stored (found by a UIDVALIDITY rescan, older than Mailroom's
  // first start) is kept as a closed ticket, not posted: no flood of old mail in Slack.
  const history = (JSON.parse(row.flags) as { history?: boolean }).history === true;
  const announce = options.announce ?? !history;
  const flags = classifyMail(mail, deps.ownAddresses);
  const threadTicketId = await findThreadTicket(db, row.mailboxId, mail, flags.bounce);
  const rulesFor = deps.routingRules ?? ((mailboxId: number) => loadRoutingRules(deps, mailboxId));
  const routing = threadTicketId === null ? applyRoutingRules(await rulesFor(row.mailboxId), mailFacts(mail, header)) : null;
  const customer = customerAddressOf(mail);
  const messageFields = withoutNul({
    parseState: error ? 'failed' : 'parsed',
    parseError: error,
    messageId: cleanMessageId(mail.messageId) ?? row.messageId,
    inReplyTo: mail.inReplyTo,
    references: JSON.stringify(mail.references),
    fromAddress: mail.from?.address || null,
    fromName: mail.from?.name || null,
    replyTo: mail.replyTo?.address || null,
    toAddresses: JSON.stringify(mail.to),
    ccAddresses: JSON.stringify(mail.cc),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    flags: JSON.stringify({ ...flags, textTruncated: mail.textTruncated, ...(history ? { history } : {}) }),
    sentAt: mail.date,
  });
  const mailboxChannelId = row.mailbox.channelId;
  const payload = JSON.stringify({ messageRowId: row.id });

  return db.$transaction(async (tx) => {
    // Another worker may have finished this mail meanwhile: claim it by its state.
    const claimed = await tx.message.updateMany({ where: { id: row.id, parseState: 'stored' }, data: messageFields });
    if (claimed.count === 0) return { kind: 'already_done' } as const;
    if (mail.attachments.length) {
      await tx.attachment.createMany({
        data: mail.attachments.map((attachment) => ({
          messageId: row.id,
          filename: attachment.filename,
          contentType: attachment.contentType,
          size: attachment.size,
          contentId: attachment.contentId,
          inline: attachment.inline,
          checksum: attachment.checksum,
          content: attachment.content as Uint8Array<ArrayBuffer> | null,
        })),
      });
    }

    if (threadTicketId !== null) {
      const ticket = await tx.ticket.findUniqueOrThrow({ where: { id: threadTicketId } });
      // The thread lives where the ticket was posted, even if the mailbox moved channels since.
      const channelId = ticket.slackChannelId ?? mailboxChannelId;
      const closed = statusCategory(DEFAULT_STATUSES, ticket.status) === 'closed';
      // A customer writing again reopens a closed ticket; an auto-reply does not.
      const reopen = closed && !flags.autoReply && !flags.bounce;
      await tx.ticket.update({
        where: { id: ticket.id },
        data: { lastMessageAt: row.receivedAt, ...(reopen ? { status: 'open', reopenedAt: new Date(), closedAt: null } : {}) },
      });
      await tx.message.update({ where: { id: row.id }, data: { ticketId: ticket.id } });
      if (announce) {
        // A ticket known only from imported history has no Slack thread yet: open one with
        // its first mail, then add this one.
        const ticketPost = await tx.slackPost.findUnique({ where: { dedupeKey: `ticket:${ticket.id}` }, select: { id: true } });
        if (!ticketPost) {
          const first = await tx.message.findFirstOrThrow({ where: { ticketId: ticket.id }, orderBy: { id: 'asc' }, select: { id: true } });
          await tx.slackPost.create({
            data: { mailboxId: row.mailboxId, ticketId: ticket.id, channelId, kind: POST_KINDS.ticket, dedupeKey: `ticket:${ticket.id}`, payload: JSON.stringify({ messageRowId: first.id }) },
          });
        }
        await tx.slackPost.createMany({
          data: [
            { mailboxId: row.mailboxId, ticketId: ticket.id, channelId, kind: POST_KINDS.followUp, dedupeKey: `message:${row.id}`, payload },
            ...filesPost(row.mailboxId, ticket.id, channelId, row.id, mail),
          ],
        });
      }
      if (reopen) {
        await tx.auditLog.create({ data: { mailboxId: row.mailboxId, ticketId: ticket.id, actorId: 'system', action: 'ticket.reopened', detail: JSON.stringify({ messageRowId: row.id }) } });
      }
      return { kind: 'follow_up', ticketId: ticket.id } as const;
    }

    const customerRow = customer ? await tx.customer.upsert(customerUpsert(customer)) : null;
    const channelId = mailboxChannelId;
    const { nextTicketNumber } = await tx.mailbox.update({
      where: { id: row.mailboxId },
      data: { nextTicketNumber: { increment: 1 } },
      select: { nextTicketNumber: true },
    });
    const ticket = await tx.ticket.create({
      data: {
        mailboxId: row.mailboxId,
        number: nextTicketNumber - 1,
        subject: messageFields.subject ?? '',
        customerId: customerRow?.id ?? null,
        slackChannelId: channelId,
        lastMessageAt: row.receivedAt,
        createdAt: row.receivedAt,
        ...(routing ? routedFields(routing) : {}),
        // Imported history is history: closed, so it waits in no list; an answer reopens it.
        ...(announce ? {} : { status: 'done', closedAt: row.receivedAt }),
      },
    });
    await tx.message.update({ where: { id: row.id }, data: { ticketId: ticket.id } });
    // Junk is kept (and findable) but not put in front of the team.
    if (announce && !ticket.junk) await tx.slackPost.createMany({
      data: [
        { mailboxId: row.mailboxId, ticketId: ticket.id, channelId, kind: POST_KINDS.ticket, dedupeKey: `ticket:${ticket.id}`, payload },
        { mailboxId: row.mailboxId, ticketId: ticket.id, channelId, kind: POST_KINDS.mailBody, dedupeKey: `message:${row.id}`, payload },
        ...filesPost(row.mailboxId, ticket.id, channelId, row.id, mail),
      ],
    });
    await tx.auditLog.create({
      data: {
        mailboxId: row.mailboxId,
        ticketId: ticket.id,
        actorId: 'system',
        action: announce ? 'ticket.created' : 'ticket.imported',
        detail: JSON.stringify({ messageRowId: row.id, flags, routing: routing?.matched ?? [] }),
      },
    });
    return { kind: 'new_ticket', ticketId: ticket.id } as const;
  });
}
