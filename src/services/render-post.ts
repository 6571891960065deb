/**
 * Turns a queued Slack post into the message to send, from the ticket's state at sending
 * time (so a post delayed by an outage still shows the current status and assignee).
 */
import { z } from 'zod';
import type { TLocale } from '../config/config-schema.js';
import type { Db } from '../db/client.js';
import type { MailFlags } from '../domain/classify-mail.js';
import { splitQuote } from '../domain/split-quote.js';
import type { AuditDetail } from '../domain/ticket-change.js';
import type { SlackMessage } from '../slack/views/help-message.js';
import { buildFollowUpMessage, buildMailBodyMessage } from '../slack/views/mail-body-message.js';
import { buildTicketMessage } from '../slack/views/ticket-message.js';
import { buildTraceMessage } from '../slack/views/trace-message.js';
import { POST_KINDS } from './ingest-stored-mail.js';
import { renderTemplateAnnouncement, TEMPLATE_POST_KIND } from './templates/announce-template.js';
import { TICKET_POST_KINDS } from './tickets/queue-ticket-posts.js';
import { REMINDER_POST_KINDS, renderReminderPost } from './reminders/run-reminders.js';
import { REPLY_POST_KINDS, renderDraftPost, renderSentPost, type DraftPostPayload } from './replies/draft-posts.js';
import { ticketStatuses } from './tickets/ticket-statuses.js';

export type RenderedPost =
  /** `updateTs`: the message to update in place instead of posting a new one. */
  | { kind: 'ready'; message: SlackMessage; threadTs?: string; updateTs?: string; broadcast?: boolean }
  /** The thread it belongs to is not posted yet. */
  | { kind: 'wait' }
  | { kind: 'drop'; reason: string };

const ZPostPayload = z.object({ messageRowId: z.number().int() });
const ZFlags = z.record(z.string(), z.boolean()).catch({});

export interface RenderablePost {
  kind: string;
  ticketId: number | null;
  payload: string;
}

const ZAuditPayload = z.object({ auditId: z.number().int() });

export async function renderPost(db: Db, post: RenderablePost): Promise<RenderedPost> {
  if (post.kind === TICKET_POST_KINDS.trace) return renderTrace(db, post);
  if (post.kind === REPLY_POST_KINDS.draft || post.kind === REPLY_POST_KINDS.draftUpdate) return renderDraftPost(db, post.kind, JSON.parse(post.payload) as DraftPostPayload);
  if (post.kind === REMINDER_POST_KINDS.reminder || post.kind === REMINDER_POST_KINDS.digest) return renderReminderPost(db, post);
  if (post.kind === REPLY_POST_KINDS.sent) return renderSentPost(db, (JSON.parse(post.payload) as { outboxId: number }).outboxId);
  if (post.kind === TICKET_POST_KINDS.update) return renderTicketUpdate(db, post);
  if (post.kind === TEMPLATE_POST_KIND) return renderTemplateAnnouncement(db, post);
  const payload = ZPostPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success || post.ticketId === null) return { kind: 'drop', reason: 'unreadable post payload' };
  return renderMailPost(db, post.kind, post.ticketId, payload.data.messageRowId);
}

/** The ticket's message as it stands now, to replace the one in the channel. */
async function renderTicketUpdate(db: Db, post: RenderablePost): Promise<RenderedPost> {
  if (post.ticketId === null) return { kind: 'drop', reason: 'update without a ticket' };
  const first = await db.message.findFirst({ where: { ticketId: post.ticketId }, orderBy: { id: 'asc' }, select: { id: true } });
  if (!first) return { kind: 'drop', reason: 'ticket has no mail' };
  const rendered = await renderMailPost(db, POST_KINDS.ticket, post.ticketId, first.id);
  if (rendered.kind !== 'ready') return rendered;
  const ticket = await db.ticket.findUnique({ where: { id: post.ticketId }, select: { slackTs: true } });
  return ticket?.slackTs ? { ...rendered, updateTs: ticket.slackTs } : { kind: 'wait' };
}

async function renderTrace(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const payload = ZAuditPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success) return { kind: 'drop', reason: 'unreadable post payload' };
  const audit = await db.auditLog.findUnique({ where: { id: payload.data.auditId }, include: { ticket: { include: { mailbox: true } } } });
  if (!audit?.ticket) return { kind: 'drop', reason: 'audit record or ticket no longer exists' };
  if (!audit.ticket.slackTs) return { kind: 'wait' };
  const message = buildTraceMessage({
    locale: audit.ticket.mailbox.locale as TLocale,
    action: audit.action,
    actorId: audit.actorId,
    detail: JSON.parse(audit.detail) as AuditDetail,
    at: audit.createdAt,
    statuses: await ticketStatuses(db, audit.ticket.mailboxId),
  });
  return { kind: 'ready', message, threadTs: audit.ticket.slackTs };
}

async function renderMailPost(db: Db, kind: string, ticketId: number, messageRowId: number): Promise<RenderedPost> {
  const [ticket, message] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, include: { mailbox: true } }),
    // Never the raw source or HTML here: a post is rendered often and mail can be large.
    db.message.findUnique({
      where: { id: messageRowId },
      select: {
        fromAddress: true,
        fromName: true,
        text: true,
        flags: true,
        receivedAt: true,
        parseState: true,
        attachments: { select: { filename: true, inline: true } },
      },
    }),
  ]);
  if (!ticket || !message) return { kind: 'drop', reason: 'ticket or message no longer exists' };
  const locale = ticket.mailbox.locale as TLocale;
  const sender = message.fromAddress || message.fromName ? { name: message.fromName ?? '', address: message.fromAddress ?? '' } : null;
  const attachmentNames = message.attachments.filter((a) => !a.inline).map((a) => a.filename ?? 'attachment');

  if (kind === POST_KINDS.ticket) {
    return {
      kind: 'ready',
      message: buildTicketMessage({
        locale,
        ticket,
        sender,
        flags: ZFlags.parse(JSON.parse(message.flags)) as Partial<MailFlags>,
        receivedAt: message.receivedAt,
        // The customer's own words first; the quoted history is in the thread.
        preview: splitQuote(message.text ?? '').main.trim() || (message.text ?? ''),
        attachmentNames,
        unreadable: message.parseState === 'failed',
        statuses: await ticketStatuses(db, ticket.mailboxId),
      }),
    };
  }
  if (!ticket.slackTs) return { kind: 'wait' };
  if (kind === POST_KINDS.mailBody) return { kind: 'ready', message: buildMailBodyMessage(locale, message.text ?? ''), threadTs: ticket.slackTs };
  if (kind === POST_KINDS.followUp) {
    return {
      kind: 'ready',
      message: buildFollowUpMessage(locale, { sender, receivedAt: message.receivedAt, text: message.text ?? '', attachmentNames }),
      threadTs: ticket.slackTs,
    };
  }
  return { kind: 'drop', reason: `unknown post kind ${kind}` };
}
