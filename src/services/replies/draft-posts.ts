/**
 * The Slack side of a reply's life, through the posting queue: the draft shown in the
 * thread (one message per submitted revision, updated in place as it moves on), and the
 * reply as sent. Rendered at sending time from the database, like every queued post.
 */
import type { TLocale } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import { draftControls, draftShownWhole } from '../../domain/draft-controls.js';
import { buildDraftMessage, buildSentReplyMessage } from '../../slack/views/draft-message.js';
import type { RenderedPost } from '../../posts/post-kinds.js';
import { draftAddressText, reviewedText } from './draft-addresses.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';



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
  return ticket.slackChannelId ? { mailboxId: ticket.mailboxId, ticketId: ticket.id, channelId: ticket.slackChannelId } : null;
}

/** A newly submitted revision: posted in the thread, and the previous one marked replaced. */
export async function queueDraftPost(tx: Tx, ticket: TicketPlace, payload: DraftPostPayload, key: string): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  await queuePosts(tx, [{ ...place, kind: POST_KINDS.draft, dedupeKey: `draft:${payload.draftId}:r${payload.revision}`, payload }]);
  if (payload.revision > 1) await queueDraftUpdate(tx, ticket, { ...payload, revision: payload.revision - 1 }, key);
}

/** The draft's message for `payload.revision` rendered again (its state changed). `key` makes the queue entry unique. */
export async function queueDraftUpdate(tx: Tx, ticket: TicketPlace, payload: DraftPostPayload, key: string): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  const posted = await tx.slackPost.findUnique({ where: { dedupeKey: `draft:${payload.draftId}:r${payload.revision}` }, select: { id: true } });
  if (!posted) return;
  await queuePosts(tx, [{ ...place, kind: POST_KINDS.draftUpdate, dedupeKey: `draft-update:${payload.draftId}:r${payload.revision}:${key}`, payload }]);
}

export async function queueSentPost(tx: Tx, ticket: TicketPlace, outboxId: number): Promise<void> {
  const place = placeOf(ticket);
  if (!place) return;
  await queuePosts(tx, [{ ...place, kind: POST_KINDS.sentReply, dedupeKey: `sent:${outboxId}`, payload: { outboxId } }]);
}

export async function renderDraftPost(db: Db, kind: string, payload: DraftPostPayload): Promise<RenderedPost> {
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
  const message = buildDraftMessage({
    locale: draft.ticket.mailbox.locale as TLocale,
    draft: {
      id: draft.id,
      authorId: draft.authorId,
      revision: payload.revision,
      state: draft.state,
      ...reviewedText(draft),
    },
    superseded,
    controls: draftControls(draft.state, superseded, shownWhole),
    tooLong: !shownWhole,
    reviewerMentions: payload.reviewers,
    ...(version && version.template.currentVersion > version.version ? { outdatedTemplate: { name: version.template.name, used: version.version, current: version.template.currentVersion } } : {}),
    ...(review ? { lastReview: { reviewerId: review.reviewerId, decision: review.decision, comment: review.comment } } : {}),
    sentAt: draft.outbox?.sentAt ?? null,
    failure: draft.outbox?.lastError ?? null,
  });
  if (kind === POST_KINDS.draft) return { kind: 'ready', message, threadTs: draft.ticket.slackTs };
  const posted = await db.slackPost.findUnique({ where: { dedupeKey: `draft:${payload.draftId}:r${payload.revision}` }, select: { slackTs: true } });
  return posted?.slackTs ? { kind: 'ready', message, updateTs: posted.slackTs } : { kind: 'wait' };
}

export async function renderSentPost(db: Db, outboxId: number): Promise<RenderedPost> {
  const outbox = await db.outboxMail.findUnique({
    where: { id: outboxId },
    include: { draft: { include: { reviews: { where: { decision: 'approved' }, orderBy: { id: 'desc' }, take: 1 }, ticket: { include: { mailbox: true } } } } },
  });
  const draft = outbox?.draft;
  if (!outbox || !draft) return { kind: 'drop', reason: 'sent reply no longer exists' };
  if (!draft.ticket.slackTs) return { kind: 'wait' };
  const message = buildSentReplyMessage(draft.ticket.mailbox.locale as TLocale, {
    to: draftAddressText(draft.toAddresses, draft.ccAddresses),
    authorId: draft.authorId,
    reviewerId: draft.reviews[0]?.reviewerId ?? null,
    body: draft.body,
    sentAt: outbox.sentAt ?? new Date(),
    // A sent reply's lastError names the recipients the server refused (outbox-sender.ts).
    refused: outbox.lastError,
  });
  return { kind: 'ready', message, threadTs: draft.ticket.slackTs };
}
