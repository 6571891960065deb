/**
 * Turns a queued Slack post into the message to send, from the ticket's state at sending
 * time (so a post delayed by an outage still shows the current status and assignee).
 */
import { z } from 'zod';
import type { TLocale } from '../config/config-schema.js';
import type { Db } from '../db/client.js';
import { differingReplyTo, type MailFlags } from '../domain/classify-mail.js';
import type { AuditDetail } from '../domain/ticket-change.js';
import { buildFoldedFollowUpsMessage, buildFollowUpMessage, buildMailBodyMessage, type FollowUpMail } from '../slack/views/mail-body-message.js';
import { ticketPreviewText } from '../domain/ticket-preview.js';
import { buildPlainTicketMessage, buildTicketMessage } from '../slack/views/ticket-message.js';
import { buildPostFailedMessage } from '../slack/views/post-failed-message.js';
import { buildMailGivenUpMessage } from '../slack/views/mail-given-up-message.js';
import type { GivenUpPayload } from './ingest/mail-gaps.js';
import { buildTraceMessage } from '../slack/views/trace-message.js';
import { POST_KINDS, type PostKind, type RenderablePost, type RenderedPost } from '../posts/post-kinds.js';
import { renderTemplateAnnouncement } from '../slack/poster/render-template-post.js';
import { renderReminderPost } from '../slack/poster/render-reminder-post.js';
import { renderDraftPost, renderSentPost } from '../slack/poster/render-draft-post.js';
import type { DraftPostPayload } from './replies/draft-posts.js';
import { ticketStatuses } from './tickets/ticket-statuses.js';

export type { RenderablePost, RenderedPost };

const ZPostFailedPayload = z.object({ failedKind: z.string(), code: z.string(), attempts: z.number().int() });

/** `plain`: Slack refused the full ticket message with this error; show the plain one. */
const ZPostPayload = z.object({ messageRowId: z.number().int(), plain: z.string().optional() });
const ZFlags = z.record(z.string(), z.boolean()).catch({});
const ZAuditPayload = z.object({ auditId: z.number().int() });

type Renderer = (db: Db, post: RenderablePost) => Promise<RenderedPost>;

/** A mail shown in the channel or its thread, from its payload. */
const renderMail: Renderer = async (db, post) => {
  const payload = ZPostPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success || post.ticketId === null) return { kind: 'drop', reason: 'unreadable post payload' };
  return renderMailPost(db, post.kind, post.ticketId, payload.data.messageRowId, payload.data.plain);
};

/** How each kind of post (post-kinds.ts) becomes a message: the one table of renderers. */
const RENDERERS: Record<PostKind, Renderer> = {
  ticket: renderMail,
  mail_body: renderMail,
  follow_up: renderMail,
  // Files are shared, not rendered (slack-poster.ts).
  files: async () => ({ kind: 'drop', reason: 'files are shared, not rendered' }),
  ticket_update: renderTicketUpdate,
  trace: renderTrace,
  draft: (db, post) => renderDraftPost(db, POST_KINDS.draft, JSON.parse(post.payload) as DraftPostPayload),
  draft_update: (db, post) => renderDraftPost(db, POST_KINDS.draftUpdate, JSON.parse(post.payload) as DraftPostPayload),
  sent_reply: (db, post) => renderSentPost(db, (JSON.parse(post.payload) as { outboxId: number }).outboxId),
  reminder: renderReminderPost,
  digest: renderReminderPost,
  template_version: renderTemplateAnnouncement,
  post_failed: renderPostFailed,
  mail_given_up: renderMailGivenUp,
};

export async function renderPost(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const render = RENDERERS[post.kind as PostKind] as Renderer | undefined;
  return render ? render(db, post) : { kind: 'drop', reason: `unknown post kind ${post.kind}` };
}

async function renderPostFailed(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const payload = ZPostFailedPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success || post.ticketId === null) return { kind: 'drop', reason: 'unreadable post payload' };
  const ticket = await db.ticket.findUnique({ where: { id: post.ticketId }, select: { slackTs: true, mailbox: { select: { locale: true } } } });
  if (!ticket?.slackTs) return { kind: 'drop', reason: 'ticket no longer posted' };
  const { failedKind, code, attempts } = payload.data;
  return { kind: 'ready', message: buildPostFailedMessage(ticket.mailbox.locale as TLocale, failedKind, code, attempts), threadTs: ticket.slackTs };
}

/** A mail given up on, in the mailbox's channel (no ticket: it could not be made one). */
async function renderMailGivenUp(db: Db, post: RenderablePost): Promise<RenderedPost> {
  const mailbox = await db.mailbox.findUnique({ where: { id: post.mailboxId }, select: { locale: true } });
  if (!mailbox) return { kind: 'drop', reason: 'mailbox no longer exists' };
  return { kind: 'ready', message: buildMailGivenUpMessage(mailbox.locale as TLocale, JSON.parse(post.payload) as GivenUpPayload) };
}

/** The ticket's message as it stands now, to replace the one in the channel. */
async function renderTicketUpdate(db: Db, post: RenderablePost): Promise<RenderedPost> {
  if (post.ticketId === null) return { kind: 'drop', reason: 'update without a ticket' };
  const first = await db.message.findFirst({ where: { ticketId: post.ticketId }, orderBy: { id: 'asc' }, select: { id: true } });
  if (!first) return { kind: 'drop', reason: 'ticket has no mail' };
  // A ticket whose full message Slack refused keeps its plain one when it changes.
  const ticketPost = await db.slackPost.findUnique({ where: { dedupeKey: `ticket:${post.ticketId}` }, select: { payload: true } });
  const plain = ticketPost ? ZPostPayload.safeParse(JSON.parse(ticketPost.payload)).data?.plain : undefined;
  const rendered = await renderMailPost(db, POST_KINDS.ticket, post.ticketId, first.id, plain);
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

/** What a post shows of a mail: never the raw source or HTML (a post is rendered often and mail can be large). */
const MAIL_SHOWN = {
  id: true,
  fromAddress: true,
  fromName: true,
  replyTo: true,
  text: true,
  flags: true,
  receivedAt: true,
  parseState: true,
  attachments: { select: { filename: true, inline: true } },
} as const;

type ShownMail = {
  fromAddress: string | null;
  fromName: string | null;
  replyTo: string | null;
  text: string | null;
  flags: string;
  receivedAt: Date;
  attachments: { filename: string | null; inline: boolean }[];
};

function mailFlags(message: ShownMail): Partial<MailFlags> {
  return ZFlags.parse(JSON.parse(message.flags)) as Partial<MailFlags>;
}

function followUpMail(message: ShownMail): FollowUpMail {
  return {
    sender: message.fromAddress || message.fromName ? { name: message.fromName ?? '', address: message.fromAddress ?? '' } : null,
    replyTo: differingReplyTo(message),
    stranger: mailFlags(message).stranger === true,
    receivedAt: message.receivedAt,
    text: message.text ?? '',
    attachmentNames: message.attachments.filter((a) => !a.inline).map((a) => a.filename ?? 'attachment'),
  };
}

/**
 * Posts of one kind and ticket waiting together, shown in one message (post-claims.ts):
 * follow-ups as one message of their mails, traces as their lines one after the other.
 */
export async function renderFolded(db: Db, posts: readonly RenderablePost[]): Promise<RenderedPost> {
  const [first] = posts;
  if (!first || first.ticketId === null) return { kind: 'drop', reason: 'nothing to fold' };
  if (first.kind === POST_KINDS.followUp) {
    return renderFoldedFollowUps(db, first.ticketId, posts.map((post) => ZPostPayload.parse(JSON.parse(post.payload)).messageRowId));
  }
  const rendered = await Promise.all(posts.map((post) => renderPost(db, post)));
  const ready = rendered.filter((each) => each.kind === 'ready');
  // The poster then sends each on its own.
  if (ready.length < rendered.length) return { kind: 'drop', reason: 'not every folded post can be shown' };
  return {
    kind: 'ready',
    message: { text: ready.map((each) => each.message.text).join('\n'), blocks: ready.flatMap((each) => each.message.blocks) },
    threadTs: ready[0]!.threadTs,
  };
}

async function renderFoldedFollowUps(db: Db, ticketId: number, messageRowIds: readonly number[]): Promise<RenderedPost> {
  const [ticket, messages] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, select: { slackTs: true, mailbox: { select: { locale: true } } } }),
    db.message.findMany({ where: { id: { in: [...messageRowIds] } }, orderBy: { id: 'asc' }, select: MAIL_SHOWN }),
  ]);
  if (!ticket || messages.length === 0) return { kind: 'drop', reason: 'ticket or messages no longer exist' };
  if (!ticket.slackTs) return { kind: 'wait' };
  return { kind: 'ready', message: buildFoldedFollowUpsMessage(ticket.mailbox.locale as TLocale, messages.map(followUpMail)), threadTs: ticket.slackTs };
}

async function renderMailPost(db: Db, kind: string, ticketId: number, messageRowId: number, plain?: string): Promise<RenderedPost> {
  const [ticket, message] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, include: { mailbox: true } }),
    db.message.findUnique({ where: { id: messageRowId }, select: MAIL_SHOWN }),
  ]);
  if (!ticket || !message) return { kind: 'drop', reason: 'ticket or message no longer exists' };
  const locale = ticket.mailbox.locale as TLocale;
  const { sender, replyTo, attachmentNames } = followUpMail(message);

  if (kind === POST_KINDS.ticket) {
    const input = {
      locale,
      ticket,
      sender,
      replyTo,
      flags: mailFlags(message),
      receivedAt: message.receivedAt,
      // The customer's own words first; the quoted history is in the thread.
      preview: ticketPreviewText(message.text ?? ''),
      attachmentNames,
      unreadable: message.parseState === 'failed',
      statuses: await ticketStatuses(db, ticket.mailboxId),
    };
    return { kind: 'ready', message: plain ? buildPlainTicketMessage(input, plain) : buildTicketMessage(input) };
  }
  if (!ticket.slackTs) return { kind: 'wait' };
  if (kind === POST_KINDS.mailBody) return { kind: 'ready', message: buildMailBodyMessage(locale, message.text ?? ''), threadTs: ticket.slackTs };
  if (kind === POST_KINDS.followUp) return { kind: 'ready', message: buildFollowUpMessage(locale, followUpMail(message)), threadTs: ticket.slackTs };
  return { kind: 'drop', reason: `unknown post kind ${kind}` };
}
