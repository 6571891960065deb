/**
 * A reply's way from the modal to the outbox. Submitting puts the draft in review (or,
 * where REVIEW_POLICY is none, straight into the outbox); only a reviewer who did not
 * write it may approve; requesting changes sends it back with a comment kept as
 * knowledge; the author edits and resubmits a new revision. Every step is a conditional
 * write on the draft's state and revision, so a double click, two reviewers, or an edit
 * made while a reviewer looks can never send something unreviewed or send twice.
 */
import { ownAddressMatcher } from '../../domain/own-address.js';
import { draftShownWhole, EDITABLE_DRAFT_STATES } from '../../domain/draft-controls.js';
import type { ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import type { Db, Draft } from '../../db/client.js';
import { parseAddressList } from '../../domain/compose-reply.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { Reviewers } from '../../slack-api/reviewers.js';
import { buildChangesModal } from '../../slack/views/changes-modal.js';
import { mentions } from '../../domain/mentions.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from '../../slack/views/help-message.js';
import { REPLY_FIELDS } from '../../slack/views/reply-modals.js';
import { buildRefusalNotice } from '../../slack/views/ticket-notices.js';
import { enqueueReply } from '../outbox/enqueue-reply.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { queueTicketPosts } from '../tickets/queue-ticket-posts.js';
import { queueDraftPost, queueDraftUpdate } from './draft-posts.js';
import { draftAddressesJson, reviewedText } from './draft-addresses.js';
import { answeredMail, composeReplyModal, latestInbound, needsReview, type ReplyDeps } from './open-reply.js';

export interface ReviewDeps extends ReplyDeps {
  reviewers: Reviewers;
  wakePoster(): void;
  wakeOutbox(): void;
}

type DraftWithTicket = Draft & { ticket: { id: number; number: number; mailboxId: number; slackChannelId: string | null; slackTs: string | null; mailbox: { key: string; channelId: string } } };

/** What a modal submission is answered with: field errors, or nothing (it closes). */
export type SubmitAnswer = { errors: Record<string, string> } | null;

async function loadDraft(db: Db, draftId: number): Promise<DraftWithTicket | null> {
  return db.draft.findUnique({ where: { id: draftId }, include: { ticket: { include: { mailbox: { select: { key: true, channelId: true } } } } } });
}

function reviewerIdsOf(deps: ReviewDeps, mailboxKey: string): string[] {
  return deps.mailboxes.find((mailbox) => mailbox.key === mailboxKey)?.reviewers ?? [];
}

function stateName(locale: TLocale, state: string): string {
  return t(locale, `draft_state.${state}` as MessageKey);
}

function notice(locale: TLocale, key: MessageKey, params: Record<string, string | number> = {}): SlackMessage {
  return buildNoticeMessage(`:information_source: ${t(locale, key, params)}`);
}

/** The reply modal submitted: check it, then into review (or the outbox). */
export async function submitReply(
  deps: ReviewDeps,
  input: { actorId: string; draftId: number; values: { to: string; cc: string; body: string }; bodyBlock?: string },
): Promise<SubmitAnswer> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const bodyBlock = input.bodyBlock ?? REPLY_FIELDS.body.block;
  const bodyError = (key: MessageKey, params: Record<string, string | number> = {}) => ({ errors: { [bodyBlock]: t(locale, key, params) } });
  const draft = await loadDraft(deps.db, input.draftId);
  if (!draft || draft.authorId !== input.actorId) return bodyError('notice.draft_gone');
  if (await accessRefusal(deps, ticketChannel(draft.ticket), input.actorId)) return bodyError('notice.not_member', { channel: ticketChannel(draft.ticket) });
  if (!EDITABLE_DRAFT_STATES.includes(draft.state)) return bodyError('reply.error_state', { state: stateName(locale, draft.state) });

  const to = parseAddressList(input.values.to);
  const cc = parseAddressList(input.values.cc);
  const errors: Record<string, string> = {};
  if (to.invalid.length) errors[REPLY_FIELDS.to.block] = t(locale, 'reply.error_invalid', { addresses: to.invalid.join(', ') });
  else if (to.addresses.length === 0) errors[REPLY_FIELDS.to.block] = t(locale, 'reply.error_to');
  if (cc.invalid.length) errors[REPLY_FIELDS.cc.block] = t(locale, 'reply.error_invalid', { addresses: cc.invalid.join(', ') });
  // A reply to one of our own mailboxes would come back in as a customer's mail (and
  // reopen the ticket it just closed).
  // Its +tag variants and the address the mailbox signs in as reach it too.
  const isOurs = ownAddressMatcher(deps.mailboxes.flatMap((mailbox) => [mailbox.address, mailbox.imap.user]));
  for (const [list, block] of [[to, REPLY_FIELDS.to.block], [cc, REPLY_FIELDS.cc.block]] as const) {
    const own = list.addresses.filter((entry) => isOurs(entry.address)).map((entry) => entry.address);
    if (own.length && !errors[block]) errors[block] = t(locale, 'reply.error_own', { addresses: own.join(', ') });
  }
  if (!input.values.body.trim()) errors[bodyBlock] = t(locale, 'reply.error_body');
  if (Object.keys(errors).length) return { errors };

  const review = needsReview(deps, draft.ticket.mailbox.key);
  // A draft that was submitted before comes back as a new revision: a review is of one revision.
  const revision = draft.submittedAt ? draft.revision + 1 : draft.revision;
  const fields = {
    toAddresses: draftAddressesJson(to.addresses),
    ccAddresses: draftAddressesJson(cc.addresses),
    body: input.values.body,
    revision,
    submittedAt: new Date(),
  };
  // Without review the reply is sent as written; its mail is built before the transaction.
  const prepared = review ? null : await enqueueReply.prepare(deps, { ...draft, ...fields }, await answeredMail(deps.db, draft));
  const done = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.draft.updateMany({
      where: { id: draft.id, revision: draft.revision, state: draft.state },
      data: { ...fields, state: review ? 'in_review' : 'approved' },
    });
    if (count === 0) return false;
    const audit = await tx.auditLog.create({
      data: { mailboxId: draft.ticket.mailboxId, ticketId: draft.ticketId, actorId: input.actorId, action: TICKET_ACTIONS.draftSubmitted, detail: JSON.stringify({ draftId: draft.id, revision, review }) },
    });
    if (review) {
      await queueDraftPost(tx, draft.ticket, { draftId: draft.id, revision, reviewers: mentions(reviewerIdsOf(deps, draft.ticket.mailbox.key)) }, String(audit.id));
    } else {
      await enqueueReply.commit(tx, draft, prepared!);
    }
    return true;
  });
  if (!done) return bodyError('reply.error_state', { state: stateName(locale, (await loadDraft(deps.db, draft.id))?.state ?? 'discarded') });
  deps.logger.info({ code: review ? 'draft_submitted' : 'reply_queued', draftId: draft.id, ticketId: draft.ticketId, revision }, review ? 'reply submitted for review' : 'reply queued for sending');
  deps.wakePoster();
  if (!review) deps.wakeOutbox();
  return null;
}

/** Why a reviewer may not decide on this draft as shown, or null. */
async function reviewRefusal(deps: ReviewDeps, locale: TLocale, actorId: string, draft: DraftWithTicket | null, shownRevision: number): Promise<SlackMessage | null> {
  if (!draft) return notice(locale, 'notice.draft_gone');
  const denied = await accessRefusal(deps, ticketChannel(draft.ticket), actorId);
  if (denied) return buildRefusalNotice(locale, denied);
  if (!(await deps.reviewers.isReviewer(reviewerIdsOf(deps, draft.ticket.mailbox.key), actorId))) return notice(locale, 'notice.not_reviewer');
  if (draft.authorId === actorId) return notice(locale, 'notice.own_draft');
  if (draft.state !== 'in_review') return notice(locale, 'notice.draft_not_in_review', { state: stateName(locale, draft.state) });
  if (draft.revision !== shownRevision) return notice(locale, 'notice.draft_changed', { revision: draft.revision });
  return null;
}

/** draft.approve: the reviewer's approval puts exactly this revision into the outbox. */
export async function approveDraft(deps: ReviewDeps, input: { actorId: string; draftId: number; revision: number }): Promise<SlackMessage | null> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const draft = await loadDraft(deps.db, input.draftId);
  const refusal = await reviewRefusal(deps, locale, input.actorId, draft, input.revision);
  if (refusal || !draft) return refusal;
  // Nobody approves what they were not shown whole (see draftShownWhole).
  if (!draftShownWhole(reviewedText(draft))) return notice(locale, 'notice.draft_too_long');
  const prepared = await enqueueReply.prepare(deps, draft, await answeredMail(deps.db, draft));
  const approved = await deps.db.$transaction(async (tx) => {
    // Conditional on the state and revision seen: a second click, or another reviewer, finds it approved.
    const { count } = await tx.draft.updateMany({ where: { id: draft.id, state: 'in_review', revision: draft.revision }, data: { state: 'approved' } });
    if (count === 0) return false;
    await tx.review.create({ data: { draftId: draft.id, reviewerId: input.actorId, revision: draft.revision, decision: 'approved' } });
    await enqueueReply.commit(tx, draft, prepared);
    const audit = await tx.auditLog.create({
      data: { mailboxId: draft.ticket.mailboxId, ticketId: draft.ticketId, actorId: input.actorId, action: TICKET_ACTIONS.draftApproved, detail: JSON.stringify({ draftId: draft.id, revision: draft.revision, authorId: draft.authorId }) },
    });
    await queueTicketPosts(tx, draft.ticket, audit.id, { update: false });
    await queueDraftUpdate(tx, draft.ticket, { draftId: draft.id, revision: draft.revision, reviewers: '' }, String(audit.id));
    return true;
  });
  if (!approved) return reviewRefusal(deps, locale, input.actorId, await loadDraft(deps.db, draft.id), input.revision);
  deps.logger.info({ code: 'draft_approved', draftId: draft.id, ticketId: draft.ticketId, reviewerId: input.actorId }, 'reply approved');
  deps.wakePoster();
  deps.wakeOutbox();
  return null;
}

export type ModalOpening = { kind: 'notice'; message: SlackMessage } | { kind: 'view'; view: ModalView };

/** draft.request_changes: the modal asking the reviewer what should change. */
export async function openChangesRequest(deps: ReviewDeps, input: { actorId: string; draftId: number; revision: number }): Promise<ModalOpening> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const draft = await loadDraft(deps.db, input.draftId);
  const refusal = await reviewRefusal(deps, locale, input.actorId, draft, input.revision);
  if (refusal) return { kind: 'notice', message: refusal };
  return { kind: 'view', view: buildChangesModal(locale, { draftId: input.draftId, revision: input.revision }) };
}

/** The reviewer's comment: the draft goes back to its author, who is told; the comment is kept. */
export async function submitChangesRequest(deps: ReviewDeps, input: { actorId: string; draftId: number; revision: number; comment: string }): Promise<SubmitAnswer> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const draft = await loadDraft(deps.db, input.draftId);
  const refusal = await reviewRefusal(deps, locale, input.actorId, draft, input.revision);
  const commentError = (text: string) => ({ errors: { changes_comment: text } });
  if (refusal || !draft) return commentError(refusal?.text.replace(/^:information_source: /, '') ?? t(locale, 'notice.draft_gone'));
  const comment = input.comment.trim();
  if (!comment) return commentError(t(locale, 'draft.changes_label'));
  const done = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.draft.updateMany({ where: { id: draft.id, state: 'in_review', revision: draft.revision }, data: { state: 'changes_requested' } });
    if (count === 0) return false;
    await tx.review.create({ data: { draftId: draft.id, reviewerId: input.actorId, revision: draft.revision, decision: 'changes_requested', comment } });
    const audit = await tx.auditLog.create({
      data: {
        mailboxId: draft.ticket.mailboxId,
        ticketId: draft.ticketId,
        actorId: input.actorId,
        action: TICKET_ACTIONS.changesRequested,
        detail: JSON.stringify({ draftId: draft.id, revision: draft.revision, authorId: draft.authorId, comment }),
      },
    });
    // The trace mentions the author: that is how they learn their reply came back.
    await queueTicketPosts(tx, draft.ticket, audit.id, { update: false });
    await queueDraftUpdate(tx, draft.ticket, { draftId: draft.id, revision: draft.revision, reviewers: '' }, String(audit.id));
    return true;
  });
  if (!done) return commentError(t(locale, 'notice.draft_not_in_review', { state: stateName(locale, (await loadDraft(deps.db, draft.id))?.state ?? 'discarded') }));
  deps.wakePoster();
  return null;
}

/** draft.edit: the author reopens the reply modal with the draft as it is. */
export async function openDraftEditor(deps: ReviewDeps, input: { actorId: string; draftId: number }): Promise<ModalOpening> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const draft = await loadDraft(deps.db, input.draftId);
  if (!draft) return { kind: 'notice', message: notice(locale, 'notice.draft_gone') };
  const denied = await accessRefusal(deps, ticketChannel(draft.ticket), input.actorId);
  if (denied) return { kind: 'notice', message: buildRefusalNotice(locale, denied) };
  if (draft.authorId !== input.actorId) return { kind: 'notice', message: notice(locale, 'notice.not_author', { author: `<@${draft.authorId}>` }) };
  if (!EDITABLE_DRAFT_STATES.includes(draft.state)) return { kind: 'notice', message: notice(locale, 'reply.error_state', { state: stateName(locale, draft.state) }) };
  // Reopened for editing: the modal shows the latest mail, and the reply now answers it.
  const original = await latestInbound(deps.db, draft.ticketId);
  await deps.db.draft.updateMany({ where: { id: draft.id }, data: { answersId: original?.id ?? null } });
  return { kind: 'view', view: await composeReplyModal(deps, { locale, ticket: draft.ticket, draft, original }) };
}
