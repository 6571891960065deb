/**
 * The Slack side of a reply's life, through the posting queue: the draft shown in the
 * thread (one message per submitted revision, updated in place as it moves on), and the
 * reply as sent. Read at sending time from the database, like every queued post, and
 * rendered by slack/poster/render-draft-post.ts.
 */
import type { TLocale } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import { draftControls, draftShownWhole, type DraftControl } from '../../domain/draft-controls.js';
import { POST_KINDS, type PostNotReady } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';
import { readRecipientChanges, type RecipientChanges } from '../../domain/reply-recipients.js';
import { queueTicketPosts } from '../tickets/queue-ticket-posts.js';
import { draftAddressText, reviewedText } from './draft-addresses.js';
import { draftFiles } from './reply-attachments.js';
import { draftKind, type DraftKind } from '../../domain/draft-kind.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import type { ForwardedHeaders } from '../../domain/forward-mail.js';
import { forwardedMail } from './forwarded-mail.js';

/** A file a reply attaches, as Slack shows it: name and size. */
export interface ShownFile {
  filename: string;
  size: number;
}

export interface DraftPostPayload {
  draftId: number;
  revision: number;
  /** Mentions of the mailbox's reviewers at the time (who is told a reply waits). */
  reviewers: string;
}

interface TicketPlace {
  id: number;
  mailboxId: number;
  slackChannelId: string | null;
  slackTs: string | null;
}

function placeOf(ticket: TicketPlace) {
  return ticket.slackChannelId
    ? { mailboxId: ticket.mailboxId, ticketId: ticket.id, channelId: ticket.slackChannelId }
    : null;
}

/** A newly submitted revision: posted in the thread, and the previous one marked replaced. */
export async function queueDraftPost(
  tx: Tx,
  ticket: TicketPlace,
  payload: DraftPostPayload,
  key: string,
): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  await queuePosts(tx, [
    { ...place, kind: POST_KINDS.draft, dedupeKey: `draft:${payload.draftId}:r${payload.revision}`, payload },
  ]);
  if (payload.revision > 1) await queueDraftUpdate(tx, ticket, { ...payload, revision: payload.revision - 1 }, key);
}

/**
 * What a draft's new state shows (approved, sent back, sent, failed): the line of audit
 * record `auditId` in the thread, which mentions the author, and the draft's message
 * updated in place.
 */
export async function queueDraftStatePosts(
  tx: Tx,
  ticket: TicketPlace,
  draft: { id: number; revision: number },
  auditId: number,
): Promise<void> {
  await queueTicketPosts(tx, ticket, auditId, { update: false });
  await queueDraftUpdate(tx, ticket, { draftId: draft.id, revision: draft.revision, reviewers: '' }, String(auditId));
}

/** The draft's message for `payload.revision` rendered again (its state changed). `key` makes the queue entry unique. */
export async function queueDraftUpdate(
  tx: Tx,
  ticket: TicketPlace,
  payload: DraftPostPayload,
  key: string,
): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  const posted = await tx.slackPost.findUnique({
    where: { dedupeKey: `draft:${payload.draftId}:r${payload.revision}` },
    select: { id: true },
  });
  if (!posted) return;
  await queuePosts(tx, [
    {
      ...place,
      kind: POST_KINDS.draftUpdate,
      dedupeKey: `draft-update:${payload.draftId}:r${payload.revision}:${key}`,
      payload,
    },
  ]);
}

export async function queueSentPost(tx: Tx, ticket: TicketPlace, outboxId: number): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  await queuePosts(tx, [
    { ...place, kind: POST_KINDS.sentReply, dedupeKey: `sent:${outboxId}`, payload: { outboxId } },
  ]);
}

/** What a draft's message shows, in its mailbox's language (draft-message.ts words it). */
export interface DraftShown {
  locale: TLocale;
  /** A reply, a forward or a new mail: the heading says which. */
  kind?: DraftKind;
  /** A forward: the forwarded mail's headers and the files sent on with it (the reviewer approves them too). */
  forwarded?: { headers: ForwardedHeaders; attachments: ShownFile[] };
  draft: {
    id: number;
    authorId: string;
    revision: number;
    state: string;
    to: string;
    cc: string;
    subject: string;
    body: string;
    /** Sent below the text, as filled when submitted. */
    signature: string;
  };
  /** The From, when it is not the mailbox's own address (an alias the customer wrote to). */
  fromAlias?: { name: string; address: string };
  /** Recipients added or left off compared with the customer's mail: a warning for the reviewer. */
  recipientChanges?: RecipientChanges;
  /** The files this revision sends, every one (the reviewer approves them too). */
  attachments?: ShownFile[];
  /** This message shows an earlier revision than the draft's current one. */
  superseded: boolean;
  /** The buttons offered, in order; the first is the primary one. */
  controls: readonly DraftControl[];
  /** Too long to show whole (domain/draft-controls.ts): shown cut, with a note; never approvable. */
  tooLong?: boolean;
  reviewerMentions: string;
  outdatedTemplate?: { name: string; used: number; current: number };
  lastReview?: { reviewerId: string; decision: string; comment: string | null };
  sentAt?: Date | null;
  failure?: string | null;
  /** A discarded draft: who discarded it. */
  discardedBy?: string;
}

/** A draft's post when its turn comes: a new message in the thread, or the one to update. */
export type DraftPost =
  | { kind: 'ready'; shown: DraftShown; threadTs: string }
  | { kind: 'ready'; shown: DraftShown; updateTs: string }
  | PostNotReady;

export async function loadDraftPost(db: Db, kind: string, payload: DraftPostPayload): Promise<DraftPost> {
  const draft = await db.draft.findUnique({
    where: { id: payload.draftId },
    include: {
      ticket: { include: { mailbox: true } },
      templateVersion: { include: { template: true } },
      reviews: { orderBy: { id: 'desc' }, take: 1 },
      outbox: { select: { sentAt: true, lastError: true } },
    },
  });
  if (!draft) return { kind: 'drop', reason: 'draft no longer exists' };
  if (!draft.ticket.slackTs) return { kind: 'wait' };
  const version = draft.templateVersion;
  const review = draft.reviews[0];
  const superseded = payload.revision < draft.revision;
  const shownWhole = draftShownWhole(reviewedText(draft));
  const forwarded = draft.kind === 'forward' ? await forwardedMail(db, draft.forwardsId) : null;
  const shown: DraftShown = {
    locale: draft.ticket.mailbox.locale as TLocale,
    kind: draftKind(draft.kind),
    ...(forwarded ? { forwarded: { headers: forwarded.headers, attachments: forwarded.attachments } } : {}),
    draft: {
      id: draft.id,
      authorId: draft.authorId,
      revision: payload.revision,
      state: draft.state,
      ...reviewedText(draft),
      signature: draft.signature,
    },
    recipientChanges: readRecipientChanges(draft.recipientChanges),
    ...(draft.fromAddress && draft.fromAddress !== draft.ticket.mailbox.address
      ? { fromAlias: { name: draft.ticket.mailbox.name, address: draft.fromAddress } }
      : {}),
    attachments: await draftFiles(db, draft.id, payload.revision),
    superseded,
    controls: draftControls(draft.state, superseded, shownWhole),
    tooLong: !shownWhole,
    reviewerMentions: payload.reviewers,
    ...(version && version.template.currentVersion > version.version
      ? {
          outdatedTemplate: {
            name: version.template.name,
            used: version.version,
            current: version.template.currentVersion,
          },
        }
      : {}),
    ...(review
      ? { lastReview: { reviewerId: review.reviewerId, decision: review.decision, comment: review.comment } }
      : {}),
    sentAt: draft.outbox?.sentAt ?? null,
    failure: draft.outbox?.lastError ?? null,
    ...(draft.state === 'discarded' ? { discardedBy: await discardedBy(db, draft) } : {}),
  };
  if (kind === POST_KINDS.draft) return { kind: 'ready', shown, threadTs: draft.ticket.slackTs };
  const posted = await db.slackPost.findUnique({
    where: { dedupeKey: `draft:${payload.draftId}:r${payload.revision}` },
    select: { slackTs: true },
  });
  return posted?.slackTs ? { kind: 'ready', shown, updateTs: posted.slackTs } : { kind: 'wait' };
}

/** Who discarded the draft (its audit record, discard-draft.ts). */
async function discardedBy(db: Db, draft: { id: number; ticketId: number }): Promise<string | undefined> {
  const records = await db.auditLog.findMany({
    where: { ticketId: draft.ticketId, action: TICKET_ACTIONS.draftDiscarded },
    orderBy: { id: 'desc' },
    select: { actorId: true, detail: true },
  });
  return records.find((record) => (JSON.parse(record.detail) as { draftId?: number }).draftId === draft.id)?.actorId;
}

/** The reply as it went out: to whom, by whom, the text. */
export interface SentReply {
  /** A forward is said as one. */
  kind?: DraftKind;
  to: string;
  authorId: string;
  reviewerId: string | null;
  body: string;
  attachments?: ShownFile[];
  sentAt: Date;
  /** The recipients the mail server refused, if any. */
  refused?: string | null;
}

export async function loadSentPost(
  db: Db,
  outboxId: number,
): Promise<{ kind: 'ready'; locale: TLocale; sent: SentReply; threadTs: string } | PostNotReady> {
  const outbox = await db.outboxMail.findUnique({
    where: { id: outboxId },
    include: {
      draft: {
        include: {
          reviews: { where: { decision: 'approved' }, orderBy: { id: 'desc' }, take: 1 },
          ticket: { include: { mailbox: true } },
        },
      },
    },
  });
  const draft = outbox?.draft;
  if (!outbox || !draft) return { kind: 'drop', reason: 'sent reply no longer exists' };
  if (!draft.ticket.slackTs) return { kind: 'wait' };
  const sent: SentReply = {
    kind: draftKind(draft.kind),
    to: draftAddressText(draft.toAddresses, draft.ccAddresses),
    authorId: draft.authorId,
    reviewerId: draft.reviews[0]?.reviewerId ?? null,
    body: draft.body,
    attachments: await draftFiles(db, draft.id, draft.revision),
    sentAt: outbox.sentAt ?? new Date(),
    // A sent reply's lastError names the recipients the server refused (outbox-sender.ts).
    refused: outbox.lastError,
  };
  return { kind: 'ready', locale: draft.ticket.mailbox.locale as TLocale, sent, threadTs: draft.ticket.slackTs };
}
