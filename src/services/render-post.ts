/**
 * Turns a queued Slack post into the message to send, from the ticket's state at sending
 * time (so a post delayed by an outage still shows the current status and assignee).
 */
import { z } from 'zod';
import type { TLocale } from '../config/config-schema.js';
import type { Db } from '../db/client.js';
import type { MailFlags } from '../domain/classify-mail.js';
import { splitQuote } from '../domain/split-quote.js';
import { DEFAULT_STATUSES } from '../domain/ticket-fields.js';
import type { SlackMessage } from '../slack/views/help-message.js';
import { buildFollowUpMessage, buildMailBodyMessage } from '../slack/views/mail-body-message.js';
import { buildTicketMessage } from '../slack/views/ticket-message.js';
import { POST_KINDS } from './ingest-stored-mail.js';

export type RenderedPost =
  | { kind: 'ready'; message: SlackMessage; threadTs?: string }
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

export async function renderPost(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const payload = ZPostPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success || post.ticketId === null) return { kind: 'drop', reason: 'unreadable post payload' };
  const [ticket, message] = await Promise.all([
    db.ticket.findUnique({ where: { id: post.ticketId }, include: { mailbox: true } }),
    // Never the raw source or HTML here: a post is rendered often and mail can be large.
    db.message.findUnique({
      where: { id: payload.data.messageRowId },
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

  if (post.kind === POST_KINDS.ticket) {
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
        statuses: DEFAULT_STATUSES,
      }),
    };
  }
  if (!ticket.slackTs) return { kind: 'wait' };
  if (post.kind === POST_KINDS.mailBody) return { kind: 'ready', message: buildMailBodyMessage(locale, message.text ?? ''), threadTs: ticket.slackTs };
  if (post.kind === POST_KINDS.followUp) {
    return {
      kind: 'ready',
      message: buildFollowUpMessage(locale, { sender, receivedAt: message.receivedAt, text: message.text ?? '', attachmentNames }),
      threadTs: ticket.slackTs,
    };
  }
  return { kind: 'drop', reason: `unknown post kind ${post.kind}` };
}
