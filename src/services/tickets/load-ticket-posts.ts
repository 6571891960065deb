/**
 * What the queued posts of mail and ticket changes show, read at their turn in the queue
 * (so a post delayed by an outage still shows the current status and assignee): a loader
 * per kind, answering the data or why the post cannot be shown now (wait, drop). The
 * poster's renderers (slack/poster/render-post.ts) word it with the views.
 */
import { z } from 'zod';
import type { TLocale } from '../../config/config-schema.js';
import type { Db, Ticket } from '../../db/client.js';
import { differingReplyTo, type MailFlags } from '../../domain/classify-mail.js';
import { parseAddressList } from '../../domain/compose-reply.js';
import type { MailAddress } from '../../domain/parsed-mail.js';
import { TICKET_ACTIONS, type AuditDetail } from '../../domain/ticket-change.js';
import type { StatusDefinition } from '../../domain/ticket-fields.js';
import { POST_KINDS, type PostNotReady, type RenderablePost } from '../../posts/post-kinds.js';
import type { GivenUpPayload } from '../ingest/mail-gaps.js';
import { ticketStatuses } from './ticket-statuses.js';
import { ZSplitUpdate } from './split-mail.js';

/** `plain`: Slack refused the full ticket message with this error; show the plain one. */
const ZPostPayload = z.object({ messageRowId: z.number().int(), plain: z.string().optional() });
/** A new mail's ticket message shows the mail being written (compose-new.ts): its draft. */
const ZDraftTicketPayload = z.object({ draftId: z.number().int(), plain: z.string().optional() });
const ZPostFailedPayload = z.object({ failedKind: z.string(), code: z.string(), attempts: z.number().int() });
const ZAuditPayload = z.object({ auditId: z.number().int() });
const ZFlags = z.record(z.string(), z.boolean()).catch({});

const UNREADABLE: PostNotReady = { kind: 'drop', reason: 'unreadable post payload' };

/** A mail as a post shows it: never the raw source or HTML (a post is rendered often and mail can be large). */
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

type ShownRow = {
  id: number;
  fromAddress: string | null;
  fromName: string | null;
  replyTo: string | null;
  text: string | null;
  flags: string;
  receivedAt: Date;
  parseState: string;
  attachments: { filename: string | null; inline: boolean }[];
};

/** A mail of a ticket, as its posts show it. */
export interface ShownMail {
  /** Its Message row id: its original can be asked for by it, and a follow-up split out by it. */
  id: number;
  /** It has an HTML part (which a post never loads: see MAIL_SHOWN). */
  hasHtml: boolean;
  sender: MailAddress | null;
  /** A Reply-To that differs from the sender, shown beside it (differingReplyTo). */
  replyTo: string | null;
  /** From someone neither the customer nor on the ticket's mails. */
  stranger: boolean;
  /** An answer to a forward of ours: shown as an internal note. */
  forwardAnswer: boolean;
  flags: Partial<MailFlags>;
  receivedAt: Date;
  text: string;
  attachmentNames: string[];
  /** The mail could not be parsed: posted from its headers. */
  unreadable: boolean;
  /** A new mail of ours (not yet a stored mail, id 0): `sender` is whom it goes to. */
  outbound?: boolean;
}

function shownMail(row: ShownRow, withHtml: ReadonlySet<number>): ShownMail {
  const flags = ZFlags.parse(JSON.parse(row.flags)) as Partial<MailFlags>;
  return {
    id: row.id,
    hasHtml: withHtml.has(row.id),
    sender: row.fromAddress || row.fromName ? { name: row.fromName ?? '', address: row.fromAddress ?? '' } : null,
    replyTo: differingReplyTo(row),
    stranger: flags.stranger === true,
    forwardAnswer: flags.forwardAnswer === true,
    flags,
    receivedAt: row.receivedAt,
    text: row.text ?? '',
    attachmentNames: row.attachments.filter((a) => !a.inline).map((a) => a.filename ?? 'attachment'),
    unreadable: row.parseState === 'failed',
  };
}

/** Which of the mails have an HTML part, asked without reading it (it can be megabytes). */
async function mailsWithHtml(db: Db, ids: readonly number[]): Promise<Set<number>> {
  const rows = await db.message.findMany({
    where: { id: { in: [...ids] }, html: { not: null } },
    select: { id: true },
  });
  return new Set(rows.map((row) => row.id));
}

export type TicketWithMailbox = Ticket & { mailbox: { locale: string; name: string; address: string; key: string } };

/** Where a ticket is posted, for a link to its thread (null until it is). */
export interface TicketPlace {
  number: number;
  channelId: string | null;
  ts: string | null;
}

/** A ticket's merges, as its message shows them (merge-tickets.ts). */
export interface TicketMerges {
  /** The ticket it was merged into: it is a pointer now. */
  into: TicketPlace | null;
  /** Tickets merged into it, with how many mails it holds now and when the last came. */
  mergedIn: { numbers: number[]; mails: number; lastMailAt: Date } | null;
}

/** A mail post: the ticket as it stands, the mail, and the mailbox's statuses. */
export interface MailPostData {
  locale: TLocale;
  ticket: TicketWithMailbox;
  mail: ShownMail;
  /** The mailbox's statuses, for the ticket message (empty for a post in the thread). */
  statuses: StatusDefinition[];
  /** For the ticket message: its merges. */
  merges?: TicketMerges;
  /** For a ticket message Slack refused in full: its error, to show the plain message instead. */
  plain?: string;
}

/** The mail a post of kind ticket, mail_body or follow_up shows, from its payload. */
export async function loadMailPost(db: Db, post: RenderablePost): Promise<MailPostData | PostNotReady> {
  const payload = ZPostPayload.safeParse(JSON.parse(post.payload));
  const ticketMessage = post.kind === POST_KINDS.ticket;
  if (!payload.success && ticketMessage && post.ticketId !== null) {
    const drafted = ZDraftTicketPayload.safeParse(JSON.parse(post.payload));
    if (drafted.success) return loadDraftTicket(db, post.ticketId, drafted.data.draftId, drafted.data.plain);
  }
  if (!payload.success || post.ticketId === null) return UNREADABLE;
  return loadMail(db, post.ticketId, payload.data.messageRowId, post.kind === POST_KINDS.ticket, payload.data.plain);
}

async function loadMail(
  db: Db,
  ticketId: number,
  messageRowId: number,
  ticketMessage: boolean,
  plain?: string,
): Promise<MailPostData | PostNotReady> {
  const [ticket, message] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, include: { mailbox: true } }),
    db.message.findUnique({ where: { id: messageRowId }, select: MAIL_SHOWN }),
  ]);
  if (!ticket || !message) return { kind: 'drop', reason: 'ticket or message no longer exists' };
  return {
    locale: ticket.mailbox.locale as TLocale,
    ticket,
    mail: shownMail(message, await mailsWithHtml(db, [message.id])),
    statuses: ticketMessage ? await ticketStatuses(db, ticket.mailboxId) : [],
    ...(ticketMessage ? { merges: await mergesOf(db, ticket) } : {}),
    ...(plain ? { plain } : {}),
  };
}

/**
 * The ticket message of a new mail: the mail as written (its draft), shown as the ticket's
 * mail — to its customer, with no original to ask for (mail.original needs a stored mail).
 */
async function loadDraftTicket(
  db: Db,
  ticketId: number,
  draftId: number,
  plain?: string,
): Promise<MailPostData | PostNotReady> {
  const [ticket, draft] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, include: { mailbox: true } }),
    db.draft.findUnique({ where: { id: draftId }, include: { attachments: true } }),
  ]);
  if (!ticket || !draft) return { kind: 'drop', reason: 'ticket or draft no longer exists' };
  // A draft keeps its To as typed (`Name <address>` each: draft-addresses.ts).
  const [to] = parseAddressList((JSON.parse(draft.toAddresses) as string[]).join(', ')).addresses;
  const mail: ShownMail = {
    id: 0,
    hasHtml: false,
    sender: to ?? null,
    replyTo: null,
    stranger: false,
    forwardAnswer: false,
    flags: {},
    receivedAt: draft.createdAt,
    text: draft.body,
    attachmentNames: draft.attachments.filter((file) => file.revision === draft.revision).map((file) => file.filename),
    unreadable: false,
    outbound: true,
  };
  return {
    locale: ticket.mailbox.locale as TLocale,
    ticket,
    mail,
    statuses: await ticketStatuses(db, ticket.mailboxId),
    merges: await mergesOf(db, ticket),
    ...(plain ? { plain } : {}),
  };
}

const PLACE = { number: true, slackChannelId: true, slackTs: true } as const;

function placeOf(row: { number: number; slackChannelId: string | null; slackTs: string | null }): TicketPlace {
  return { number: row.number, channelId: row.slackChannelId, ts: row.slackTs };
}

/** The ticket it was merged into, or the tickets merged into it with its mails now. */
async function mergesOf(db: Db, ticket: Ticket): Promise<TicketMerges> {
  if (ticket.mergedIntoId !== null) {
    const into = await db.ticket.findUnique({ where: { id: ticket.mergedIntoId }, select: PLACE });
    return { into: into ? placeOf(into) : null, mergedIn: null };
  }
  const mergedIn = await db.ticket.findMany({
    where: { mergedIntoId: ticket.id },
    orderBy: { number: 'asc' },
    select: { number: true },
  });
  if (mergedIn.length === 0) return { into: null, mergedIn: null };
  const mails = await db.message.count({ where: { ticketId: ticket.id } });
  return {
    into: null,
    mergedIn: { numbers: mergedIn.map((row) => row.number), mails, lastMailAt: ticket.lastMessageAt },
  };
}

/**
 * The ticket's message as it stands now, and where it is to be updated: the mail it was
 * posted with (a merged ticket's mail is in the target by now, and still what its message
 * shows), else its first mail.
 */
export async function loadTicketUpdate(
  db: Db,
  post: RenderablePost,
): Promise<(MailPostData & { updateTs: string | null }) | PostNotReady> {
  if (post.ticketId === null) return { kind: 'drop', reason: 'update without a ticket' };
  const ticketPost = await db.slackPost.findUnique({
    where: { dedupeKey: `ticket:${post.ticketId}` },
    select: { payload: true },
  });
  const drafted = ticketPost ? ZDraftTicketPayload.safeParse(JSON.parse(ticketPost.payload)).data : undefined;
  if (drafted) {
    const loaded = await loadDraftTicket(db, post.ticketId, drafted.draftId, drafted.plain);
    return 'kind' in loaded ? loaded : { ...loaded, updateTs: loaded.ticket.slackTs };
  }
  const posted = ticketPost ? ZPostPayload.safeParse(JSON.parse(ticketPost.payload)).data : undefined;
  const shown =
    posted?.messageRowId ??
    (await db.message.findFirst({ where: { ticketId: post.ticketId }, orderBy: { id: 'asc' }, select: { id: true } }))
      ?.id;
  if (shown === undefined) return { kind: 'drop', reason: 'ticket has no mail' };
  // A ticket whose full message Slack refused keeps its plain one when it changes.
  const loaded = await loadMail(db, post.ticketId, shown, true, posted?.plain);
  return 'kind' in loaded ? loaded : { ...loaded, updateTs: loaded.ticket.slackTs };
}

/** Follow-ups waiting together (post-claims.ts), shown as one message in the ticket's thread. */
export async function loadFoldedFollowUps(
  db: Db,
  posts: readonly RenderablePost[],
): Promise<{ locale: TLocale; mails: ShownMail[]; threadTs: string } | PostNotReady> {
  const ticketId = posts[0]?.ticketId;
  if (ticketId === undefined || ticketId === null) return { kind: 'drop', reason: 'nothing to fold' };
  const messageRowIds = posts.map((post) => ZPostPayload.parse(JSON.parse(post.payload)).messageRowId);
  const [ticket, messages] = await Promise.all([
    db.ticket.findUnique({ where: { id: ticketId }, select: { slackTs: true, mailbox: { select: { locale: true } } } }),
    db.message.findMany({ where: { id: { in: messageRowIds } }, orderBy: { id: 'asc' }, select: MAIL_SHOWN }),
  ]);
  if (!ticket || messages.length === 0) return { kind: 'drop', reason: 'ticket or messages no longer exist' };
  if (!ticket.slackTs) return { kind: 'wait' };
  const withHtml = await mailsWithHtml(
    db,
    messages.map((message) => message.id),
  );
  return {
    locale: ticket.mailbox.locale as TLocale,
    mails: messages.map((message) => shownMail(message, withHtml)),
    threadTs: ticket.slackTs,
  };
}

/** A follow-up message after a split: the mails it showed, those split out with the ticket they are in now. */
export interface SplitUpdateData {
  locale: TLocale;
  ts: string;
  actorId: string;
  mails: (ShownMail & { movedTo?: TicketPlace })[];
}

/** The follow-up message in the old thread, as it reads after a split (split-mail.ts queues it). */
export async function loadSplitUpdate(db: Db, post: RenderablePost): Promise<SplitUpdateData | PostNotReady> {
  const payload = ZSplitUpdate.safeParse(JSON.parse(post.payload));
  if (!payload.success) return UNREADABLE;
  const { ts, sourceTicketId, messageRowIds, auditId } = payload.data;
  const [source, audit, rows] = await Promise.all([
    db.ticket.findUnique({ where: { id: sourceTicketId }, select: { mailbox: { select: { locale: true } } } }),
    db.auditLog.findUnique({ where: { id: auditId }, select: { actorId: true } }),
    db.message.findMany({
      where: { id: { in: messageRowIds } },
      orderBy: { id: 'asc' },
      select: { ...MAIL_SHOWN, ticket: { select: { id: true, number: true, slackChannelId: true, slackTs: true } } },
    }),
  ]);
  if (!source || !audit || rows.length === 0) return { kind: 'drop', reason: 'ticket or messages no longer exist' };
  // The new ticket's message first, so the note can link to its thread.
  if (rows.some((row) => row.ticket && row.ticket.id !== sourceTicketId && !row.ticket.slackTs))
    return { kind: 'wait' };
  const withHtml = await mailsWithHtml(
    db,
    rows.map((row) => row.id),
  );
  return {
    locale: source.mailbox.locale as TLocale,
    ts,
    actorId: audit.actorId,
    mails: rows.map(({ ticket, ...row }) => ({
      ...shownMail(row, withHtml),
      ...(ticket && ticket.id !== sourceTicketId
        ? { movedTo: { number: ticket.number, channelId: ticket.slackChannelId, ts: ticket.slackTs } }
        : {}),
    })),
  };
}

export interface TraceData {
  locale: TLocale;
  action: string;
  actorId: string;
  detail: AuditDetail;
  at: Date;
  statuses: StatusDefinition[];
  threadTs: string;
  /** A merge or split: the other ticket of it (for a link to its thread). */
  other?: TicketPlace;
  /** A merge, on either ticket: what its Undo button names (the source and its merge record). */
  undo?: { sourceId: number; mergeAuditId: number };
}

/** Actions whose trace names another ticket: merges and splits. */
const BETWEEN_TICKETS: ReadonlySet<string> = new Set([
  TICKET_ACTIONS.merged,
  TICKET_ACTIONS.mergedIn,
  TICKET_ACTIONS.mergeUndone,
  TICKET_ACTIONS.split,
  TICKET_ACTIONS.splitFrom,
]);

/** The other ticket of a merge or split, and the Undo a merge's trace offers. */
async function betweenTickets(
  db: Db,
  audit: { id: number; action: string; ticketId: number },
  detail: AuditDetail,
): Promise<Pick<TraceData, 'other' | 'undo'>> {
  if (!BETWEEN_TICKETS.has(audit.action)) return {};
  const otherId = audit.ticketId === detail.sourceId ? detail.targetId : detail.sourceId;
  const other = otherId === undefined ? null : await db.ticket.findUnique({ where: { id: otherId }, select: PLACE });
  const undo =
    audit.action === TICKET_ACTIONS.merged
      ? { sourceId: audit.ticketId, mergeAuditId: audit.id }
      : audit.action === TICKET_ACTIONS.mergedIn && detail.sourceId !== undefined && detail.mergeAuditId !== undefined
        ? { sourceId: detail.sourceId, mergeAuditId: detail.mergeAuditId }
        : undefined;
  return { ...(other ? { other: placeOf(other) } : {}), ...(undo ? { undo } : {}) };
}

/** The audit record a trace line says, in its ticket's thread. */
export async function loadTrace(db: Db, post: RenderablePost): Promise<TraceData | PostNotReady> {
  const payload = ZAuditPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success) return UNREADABLE;
  const audit = await db.auditLog.findUnique({
    where: { id: payload.data.auditId },
    include: { ticket: { include: { mailbox: true } } },
  });
  if (!audit?.ticket) return { kind: 'drop', reason: 'audit record or ticket no longer exists' };
  if (!audit.ticket.slackTs) return { kind: 'wait' };
  const detail = JSON.parse(audit.detail) as AuditDetail;
  return {
    locale: audit.ticket.mailbox.locale as TLocale,
    action: audit.action,
    actorId: audit.actorId,
    detail,
    at: audit.createdAt,
    statuses: await ticketStatuses(db, audit.ticket.mailboxId),
    threadTs: audit.ticket.slackTs,
    ...(await betweenTickets(db, { id: audit.id, action: audit.action, ticketId: audit.ticket.id }, detail)),
  };
}

/** The note in a ticket's thread that takes the place of a post Slack would not take. */
export async function loadPostFailed(
  db: Db,
  post: RenderablePost,
): Promise<{ locale: TLocale; failedKind: string; code: string; attempts: number; threadTs: string } | PostNotReady> {
  const payload = ZPostFailedPayload.safeParse(JSON.parse(post.payload));
  if (!payload.success || post.ticketId === null) return UNREADABLE;
  const ticket = await db.ticket.findUnique({
    where: { id: post.ticketId },
    select: { slackTs: true, mailbox: { select: { locale: true } } },
  });
  if (!ticket?.slackTs) return { kind: 'drop', reason: 'ticket no longer posted' };
  return { locale: ticket.mailbox.locale as TLocale, ...payload.data, threadTs: ticket.slackTs };
}

/** A mail given up on, in the mailbox's channel (no ticket: it could not be made one). */
export async function loadMailGivenUp(
  db: Db,
  post: RenderablePost,
): Promise<{ locale: TLocale; gap: GivenUpPayload } | PostNotReady> {
  const mailbox = await db.mailbox.findUnique({ where: { id: post.mailboxId }, select: { locale: true } });
  if (!mailbox) return { kind: 'drop', reason: 'mailbox no longer exists' };
  return { locale: mailbox.locale as TLocale, gap: JSON.parse(post.payload) as GivenUpPayload };
}
