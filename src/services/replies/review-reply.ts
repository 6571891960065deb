/**
 * A reply's way from the modal to the outbox. Submitting puts the draft in review (or,
 * where REVIEW_POLICY is none, straight into the outbox); only a reviewer who did not
 * write it may approve; requesting changes sends it back with a comment kept as
 * knowledge; the author edits and resubmits a new revision. Every step is a conditional
 * write on the draft's state and revision, so a double click, two reviewers, or an edit
 * made while a reviewer looks can never send something unreviewed or send twice.
 */
import { ownAddressesOf, ownAddressMatcher } from '../../domain/own-address.js';
import { draftShownWhole, EDITABLE_DRAFT_STATES } from '../../domain/draft-controls.js';
import type { Db, Draft, Tx } from '../../db/client.js';
import { parseAddressList } from '../../domain/compose-reply.js';
import { recipientChanges, type RecipientChanges } from '../../domain/reply-recipients.js';
import type { Refusal } from '../../domain/refusal.js';
import { draftKind, type DraftKind } from '../../domain/draft-kind.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import type { Reviewers } from '../../slack-api/reviewers.js';
import type { UserNames } from '../../slack-api/user-names.js';
import type { SlackFiles } from '../../slack-api/slack-files.js';
import { mentions } from '../../domain/mentions.js';
import { enqueueReply } from '../outbox/enqueue-reply.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { queueDraftPost, queueDraftStatePosts } from './draft-posts.js';
import { draftAddressesJson, reviewedText } from './draft-addresses.js';
import {
  attachmentLimitBytes,
  checkAttachments,
  draftFiles,
  fetchAttachments,
  saveDraftFiles,
  type AttachmentProblem,
  type ChosenAttachments,
  type DraftFile,
} from './reply-attachments.js';
import {
  answeredMail,
  composeReplyModal,
  customerRecipients,
  latestInbound,
  needsReview,
  type ReplyDeps,
  type ReplyModalData,
  withAddressees,
} from './open-reply.js';
import { replyFrom, replySignature } from './reply-variables.js';
import { forwardedAttachments, forwardedMail, type ForwardedSourceMail } from './forwarded-mail.js';
import type { ForwardSource } from '../outbox/enqueue-reply.js';

export interface ReviewDeps extends ReplyDeps {
  reviewers: Reviewers;
  /** For `{{agent_name}}` in the signature. */
  userNames: UserNames;
  /** Slack files a reply attaches: described at submission, fetched when it is queued. */
  files: SlackFiles;
  wakePoster(): void;
  wakeOutbox(): void;
}

type DraftWithTicket = Draft & {
  ticket: {
    id: number;
    number: number;
    mailboxId: number;
    slackChannelId: string | null;
    slackTs: string | null;
    mailbox: { key: string; channelId: string; name: string; address: string; locale: string };
    customer: { address: string; name: string | null; company: string | null } | null;
  };
};

/** Why a draft's author or reviewer may not do what they asked (draft-notices.ts words it). */
export type DraftRefusal =
  | { kind: 'access'; refusal: Refusal }
  | { kind: 'draft_gone' }
  | { kind: 'not_reviewer'; draftKind: DraftKind }
  | { kind: 'own_draft'; draftKind: DraftKind }
  | { kind: 'not_in_review'; state: string }
  | { kind: 'changed'; revision: number }
  | { kind: 'too_long'; draftKind: DraftKind }
  | { kind: 'not_author'; authorId: string; draftKind: DraftKind }
  | { kind: 'not_editable'; state: string; draftKind: DraftKind }
  /** Discarding: only the author or a reviewer; only before it is approved. */
  | { kind: 'not_discarder'; authorId: string }
  | { kind: 'not_discardable'; state: string }
  | { kind: 'attachment_unavailable'; filename: string };

export type ReplyField = 'to' | 'cc' | 'body' | 'files' | 'threadFiles';

/** What is wrong with one field of the reply modal (a refusal is shown on the body). */
export type ReplyProblem =
  | { kind: 'refused'; refusal: DraftRefusal }
  | { kind: 'invalid_addresses'; addresses: string[] }
  | { kind: 'to_missing' }
  | { kind: 'own_addresses'; addresses: string[] }
  | { kind: 'body_missing' }
  | AttachmentProblem;

/**
 * The reply modal submitted: in review or the outbox, or problems on its fields. The
 * modal closes, unless recipients were added or left off compared with the customer's
 * mail: then it says so (a warning; nothing is held back).
 */
export type ReplySubmission =
  | { kind: 'submitted'; review: boolean; recipientChanges: RecipientChanges }
  | {
      kind: 'invalid';
      errors: Partial<Record<ReplyField, ReplyProblem>>;
      /** The draft's kind, once it was read: the errors are worded for it. */
      draftKind?: DraftKind;
    };

export async function loadDraft(db: Db, draftId: number): Promise<DraftWithTicket | null> {
  return db.draft.findUnique({
    where: { id: draftId },
    include: {
      ticket: {
        include: {
          mailbox: { select: { key: true, channelId: true, name: true, address: true, locale: true } },
          customer: { select: { address: true, name: true, company: true } },
        },
      },
    },
  });
}

export function reviewerIdsOf(deps: ReviewDeps, mailboxKey: string): string[] {
  return deps.mailboxes.find((mailbox) => mailbox.key === mailboxKey)?.reviewers ?? [];
}

/** The draft's state now, after a conditional write found it changed (gone: discarded). */
async function stateNow(db: Db, draftId: number): Promise<string> {
  return (await loadDraft(db, draftId))?.state ?? 'discarded';
}

/**
 * To and Cc as typed, read and checked: every address readable, a To, and none of our own
 * mailboxes (a mail to one would come back in as a customer's mail and reopen the ticket
 * it just closed; its +tag variants reach it too).
 */
export function checkRecipients(deps: Pick<ReplyDeps, 'mailboxes'>, values: { to: string; cc: string }) {
  const to = parseAddressList(values.to);
  const cc = parseAddressList(values.cc);
  const errors: Partial<Record<ReplyField, ReplyProblem>> = {};
  if (to.invalid.length) errors.to = { kind: 'invalid_addresses', addresses: to.invalid };
  else if (to.addresses.length === 0) errors.to = { kind: 'to_missing' };
  if (cc.invalid.length) errors.cc = { kind: 'invalid_addresses', addresses: cc.invalid };
  const isOurs = ownAddressMatcher(ownAddressesOf(deps.mailboxes));
  for (const [list, field] of [
    [to, 'to'],
    [cc, 'cc'],
  ] as const) {
    const own = list.addresses.filter((entry) => isOurs(entry.address)).map((entry) => entry.address);
    if (own.length && !errors[field]) errors[field] = { kind: 'own_addresses', addresses: own };
  }
  return { to: to.addresses, cc: cc.addresses, errors, isOurs };
}

/** The reply modal submitted: check it, then into review (or the outbox). */
export async function submitReply(
  deps: ReviewDeps,
  input: {
    actorId: string;
    draftId: number;
    values: { to: string; cc: string; body: string };
    attachments?: ChosenAttachments;
  },
): Promise<ReplySubmission> {
  const refused = (refusal: DraftRefusal): ReplySubmission => ({
    kind: 'invalid',
    errors: { body: { kind: 'refused', refusal } },
  });
  const draft = await loadDraft(deps.db, input.draftId);
  if (!draft || draft.authorId !== input.actorId) return refused({ kind: 'draft_gone' });
  if (await accessRefusal(deps, ticketChannel(draft.ticket), input.actorId))
    return refused({ kind: 'access', refusal: { kind: 'not_member', channelId: ticketChannel(draft.ticket) } });
  if (!EDITABLE_DRAFT_STATES.includes(draft.state))
    return refused({ kind: 'not_editable', state: draft.state, draftKind: draftKind(draft.kind) });

  const { to, cc, errors, isOurs } = checkRecipients(deps, input.values);
  const forwarded = await forwardOf(deps.db, draft);
  // A forward's note may be left empty: the forwarded mail says it all.
  if (!input.values.body.trim() && draft.kind !== 'forward') errors.body = { kind: 'body_missing' };
  const checked = await checkAttachments(deps, {
    ticketId: draft.ticketId,
    draftId: draft.id,
    limitBytes: attachmentLimitBytes(deps.mailboxes, draft.ticket.mailbox.key),
    chosen: input.attachments ?? { uploaded: [], threadFileIds: [] },
    // A forward sends the mail's own files on too: they count against the same limit.
    forwardedBytes: (forwarded?.attachments ?? []).reduce((sum, file) => sum + file.size, 0),
  });
  if (!checked.ok) errors[checked.field] = checked.problem;
  if (Object.keys(errors).length || !checked.ok) return { kind: 'invalid', errors, draftKind: draftKind(draft.kind) };

  const review = needsReview(deps, draft.ticket.mailbox.key);
  // A draft that was submitted before comes back as a new revision: a review is of one revision.
  const revision = draft.submittedAt ? draft.revision + 1 : draft.revision;
  const original = await answeredOf(deps.db, draft);
  const changes = original
    ? recipientChanges(customerRecipients(original), isOurs, [...to, ...cc])
    : { added: [], removed: [] };
  const fields = {
    toAddresses: draftAddressesJson(to),
    ccAddresses: draftAddressesJson(cc),
    body: input.values.body,
    // Filled now and kept: the reviewer is shown the signature that will be sent.
    signature: await replySignature(deps, { actorId: input.actorId, ticket: draft.ticket, original }),
    fromAddress: replyFrom(deps, draft.ticket.mailbox, original),
    recipientChanges: JSON.stringify(changes),
    revision,
    submittedAt: new Date(),
  };
  // Without review the reply is sent as written; its mail is built before the transaction.
  let prepared = null;
  if (!review) {
    const fetched = await fetchAttachments(deps.files, checked.files);
    if (!fetched.ok) {
      const problem: ReplyProblem = { kind: 'file_unavailable', filename: fetched.filename };
      return {
        kind: 'invalid',
        errors: { [fileField(input.attachments, checked.files, fetched.filename)]: problem },
        draftKind: draftKind(draft.kind),
      };
    }
    prepared = await enqueueReply.prepare(
      deps,
      { ...draft, ...fields },
      original,
      fetched.attachments,
      await forwardSource(draft, forwarded),
    );
  }
  const done = await enqueueReply.queueWithin(deps.db, prepared, () =>
    deps.db.$transaction(async (tx) => {
      const { count } = await tx.draft.updateMany({
        where: { id: draft.id, revision: draft.revision, state: draft.state },
        data: { ...fields, state: review ? 'in_review' : 'approved' },
      });
      if (count === 0) return false;
      await saveDraftFiles(tx, draft.id, revision, checked.files);
      const audit = await tx.auditLog.create({
        data: {
          mailboxId: draft.ticket.mailboxId,
          ticketId: draft.ticketId,
          actorId: input.actorId,
          action: TICKET_ACTIONS.draftSubmitted,
          detail: JSON.stringify({ draftId: draft.id, revision, review }),
        },
      });
      if (review) {
        await queueDraftPost(
          tx,
          draft.ticket,
          { draftId: draft.id, revision, reviewers: mentions(reviewerIdsOf(deps, draft.ticket.mailbox.key)) },
          String(audit.id),
        );
      } else {
        await enqueueReply.commit(tx, draft, prepared!);
      }
      return true;
    }),
  );
  enqueueReply.collectAfter(prepared?.staged.size ?? 0);
  if (!done)
    return refused({
      kind: 'not_editable',
      state: await stateNow(deps.db, draft.id),
      draftKind: draftKind(draft.kind),
    });
  deps.logger.info(
    { code: review ? 'draft_submitted' : 'reply_queued', draftId: draft.id, ticketId: draft.ticketId, revision },
    review ? 'reply submitted for review' : 'reply queued for sending',
  );
  deps.wakePoster();
  if (!review) deps.wakeOutbox();
  return { kind: 'submitted', review, recipientChanges: changes };
}

/**
 * The customer's mail a draft answers, with its addressees; none for a forward (it goes
 * to someone else and threads to nothing of the customer's) or a new mail.
 */
async function answeredOf(db: Db, draft: Pick<Draft, 'kind' | 'ticketId' | 'answersId'>) {
  return draft.kind === 'reply' ? withAddressees(db, await answeredMail(db, draft)) : null;
}

/** The mail a forward sends on, read once per submission or approval (null for a reply or a new mail, or when gone). */
async function forwardOf(db: Db, draft: Pick<Draft, 'kind' | 'forwardsId'>): Promise<ForwardedSourceMail | null> {
  return draft.kind === 'forward' ? forwardedMail(db, draft.forwardsId) : null;
}

/** What a forward's mail carries of that mail: its headers and text, and its attachments' bytes, read now. */
async function forwardSource(
  draft: Pick<Draft, 'kind' | 'forwardsId'>,
  mail: ForwardedSourceMail | null,
): Promise<ForwardSource | undefined> {
  if (draft.kind !== 'forward' || draft.forwardsId === null) return undefined;
  if (!mail) throw new Error(`the forwarded mail ${draft.forwardsId} is gone`);
  return { headers: mail.headers, text: mail.text, attachments: await forwardedAttachments(mail) };
}

/** The modal field a file came from: the upload, or the thread's files. */
function fileField(chosen: ChosenAttachments | undefined, files: DraftFile[], filename: string): ReplyField {
  const file = files.find((candidate) => candidate.filename === filename);
  return chosen?.uploaded.some((upload) => upload.id === file?.slackFileId) ? 'files' : 'threadFiles';
}

/** A draft to act on, or why the person may not. */
export type DraftFound = { draft: DraftWithTicket } | { refusal: DraftRefusal };

/**
 * The draft, with the refusals every action on a draft starts with: it is gone, or the
 * person is not a member of its ticket's channel.
 */
export async function draftFor(deps: ReviewDeps, draftId: number, actorId: string): Promise<DraftFound> {
  const draft = await loadDraft(deps.db, draftId);
  if (!draft) return { refusal: { kind: 'draft_gone' } };
  const denied = await accessRefusal(deps, ticketChannel(draft.ticket), actorId);
  if (denied) return { refusal: { kind: 'access', refusal: denied } };
  return { draft };
}

/** The draft a reviewer decides on, or why they may not decide on it as shown. */
async function draftToReview(
  deps: ReviewDeps,
  actorId: string,
  draftId: number,
  shownRevision: number,
): Promise<DraftFound> {
  const found = await draftFor(deps, draftId, actorId);
  if ('refusal' in found) return found;
  const { draft } = found;
  const refused = (refusal: DraftRefusal): DraftFound => ({ refusal });
  if (!(await deps.reviewers.isReviewer(reviewerIdsOf(deps, draft.ticket.mailbox.key), actorId)))
    return refused({ kind: 'not_reviewer', draftKind: draftKind(draft.kind) });
  if (draft.authorId === actorId) return refused({ kind: 'own_draft', draftKind: draftKind(draft.kind) });
  if (draft.state !== 'in_review') return refused({ kind: 'not_in_review', state: draft.state });
  if (draft.revision !== shownRevision) return refused({ kind: 'changed', revision: draft.revision });
  return found;
}

/**
 * An approval's outcome. `unapplied`: the draft changed as the approval was written, yet
 * nothing refuses it now; the reviewer is told nothing, and sees the draft as it is.
 */
export type DraftApproval = { kind: 'approved' } | { kind: 'unapplied' } | { kind: 'refused'; refusal: DraftRefusal };

type Decision = { decision: 'approved' } | { decision: 'changes_requested'; comment: string };

/**
 * Writes a reviewer's decision on the revision they were shown, conditional on its state
 * and revision (a second click, or another reviewer, finds it decided), with its audit
 * record and the thread's trace and draft update; `alongside` runs in the same
 * transaction. False when the draft was decided or changed meanwhile.
 */
async function recordDecision(
  db: Db,
  draft: DraftWithTicket,
  reviewerId: string,
  decided: Decision,
  alongside?: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  const comment = decided.decision === 'changes_requested' ? decided.comment : undefined;
  return db.$transaction(async (tx) => {
    const { count } = await tx.draft.updateMany({
      where: { id: draft.id, state: 'in_review', revision: draft.revision },
      data: { state: decided.decision },
    });
    if (count === 0) return false;
    await tx.review.create({
      data: { draftId: draft.id, reviewerId, revision: draft.revision, decision: decided.decision, comment },
    });
    await alongside?.(tx);
    const audit = await tx.auditLog.create({
      data: {
        mailboxId: draft.ticket.mailboxId,
        ticketId: draft.ticketId,
        actorId: reviewerId,
        action: decided.decision === 'approved' ? TICKET_ACTIONS.draftApproved : TICKET_ACTIONS.changesRequested,
        detail: JSON.stringify({
          draftId: draft.id,
          revision: draft.revision,
          authorId: draft.authorId,
          // The trace says a forward or a new mail in those words.
          draftKind: draft.kind,
          comment,
        }),
      },
    });
    await queueDraftStatePosts(tx, draft.ticket, draft, audit.id);
    return true;
  });
}

/** draft.approve: the reviewer's approval puts exactly this revision into the outbox. */
export async function approveDraft(
  deps: ReviewDeps,
  input: { actorId: string; draftId: number; revision: number },
): Promise<DraftApproval> {
  const review = await draftToReview(deps, input.actorId, input.draftId, input.revision);
  if ('refusal' in review) return { kind: 'refused', refusal: review.refusal };
  const { draft } = review;
  // Nobody approves what they were not shown whole (see draftShownWhole).
  if (!draftShownWhole(reviewedText(draft)))
    return { kind: 'refused', refusal: { kind: 'too_long', draftKind: draftKind(draft.kind) } };
  // The revision's files, fetched now: what the reviewer was shown, or no approval.
  const fetched = await fetchAttachments(deps.files, await draftFiles(deps.db, draft.id, draft.revision));
  if (!fetched.ok) return { kind: 'refused', refusal: { kind: 'attachment_unavailable', filename: fetched.filename } };
  const prepared = await enqueueReply.prepare(
    deps,
    draft,
    await answeredOf(deps.db, draft),
    fetched.attachments,
    await forwardSource(draft, await forwardOf(deps.db, draft)),
  );
  const approved = await enqueueReply.queueWithin(deps.db, prepared, () =>
    recordDecision(deps.db, draft, input.actorId, { decision: 'approved' }, (tx) =>
      enqueueReply.commit(tx, draft, prepared),
    ),
  );
  enqueueReply.collectAfter(prepared.staged.size);
  if (!approved) {
    const now = await draftToReview(deps, input.actorId, draft.id, input.revision);
    return 'refusal' in now ? { kind: 'refused', refusal: now.refusal } : { kind: 'unapplied' };
  }
  deps.logger.info(
    { code: 'draft_approved', draftId: draft.id, ticketId: draft.ticketId, reviewerId: input.actorId },
    'reply approved',
  );
  deps.wakePoster();
  deps.wakeOutbox();
  return { kind: 'approved' };
}

/** The draft and revision a reviewer was shown (what the changes modal carries). */
export interface ShownDraft {
  draftId: number;
  revision: number;
}

export type ChangesOpening = { kind: 'refused'; refusal: DraftRefusal } | { kind: 'ask'; shown: ShownDraft };

/** draft.request_changes: whether the reviewer may be asked what should change. */
export async function openChangesRequest(
  deps: ReviewDeps,
  input: { actorId: string } & ShownDraft,
): Promise<ChangesOpening> {
  const review = await draftToReview(deps, input.actorId, input.draftId, input.revision);
  if ('refusal' in review) return { kind: 'refused', refusal: review.refusal };
  return { kind: 'ask', shown: { draftId: input.draftId, revision: input.revision } };
}

/** The changes request submitted: sent back to the author (the modal closes), refused, or without a comment. */
export type ChangesSubmission =
  | { kind: 'requested' }
  | { kind: 'refused'; refusal: DraftRefusal }
  | { kind: 'comment_missing' };

/** The reviewer's comment: the draft goes back to its author, who is told; the comment is kept. */
export async function submitChangesRequest(
  deps: ReviewDeps,
  input: { actorId: string; comment: string } & ShownDraft,
): Promise<ChangesSubmission> {
  const review = await draftToReview(deps, input.actorId, input.draftId, input.revision);
  if ('refusal' in review) return { kind: 'refused', refusal: review.refusal };
  const { draft } = review;
  const comment = input.comment.trim();
  if (!comment) return { kind: 'comment_missing' };
  // The trace mentions the author: that is how they learn their reply came back.
  const done = await recordDecision(deps.db, draft, input.actorId, { decision: 'changes_requested', comment });
  if (!done) return { kind: 'refused', refusal: { kind: 'not_in_review', state: await stateNow(deps.db, draft.id) } };
  deps.wakePoster();
  return { kind: 'requested' };
}

export type DraftEditorOpening =
  | { kind: 'refused'; refusal: DraftRefusal }
  | { kind: 'compose'; modal: ReplyModalData };

/** draft.edit: the author reopens the reply modal with the draft as it is. */
export async function openDraftEditor(
  deps: ReviewDeps,
  input: { actorId: string; draftId: number },
): Promise<DraftEditorOpening> {
  const refused = (refusal: DraftRefusal): DraftEditorOpening => ({ kind: 'refused', refusal });
  const found = await draftFor(deps, input.draftId, input.actorId);
  if ('refusal' in found) return refused(found.refusal);
  const { draft } = found;
  if (draft.authorId !== input.actorId)
    return refused({ kind: 'not_author', authorId: draft.authorId, draftKind: draftKind(draft.kind) });
  if (!EDITABLE_DRAFT_STATES.includes(draft.state))
    return refused({ kind: 'not_editable', state: draft.state, draftKind: draftKind(draft.kind) });
  if (draft.kind === 'forward')
    return { kind: 'compose', modal: await composeReplyModal(deps, { ticket: draft.ticket, draft, original: null }) };
  // Reopened for editing: the modal shows the latest mail, and the reply now answers it.
  const original = await latestInbound(deps.db, draft.ticketId);
  await deps.db.draft.updateMany({ where: { id: draft.id }, data: { answersId: original?.id ?? null } });
  return { kind: 'compose', modal: await composeReplyModal(deps, { ticket: draft.ticket, draft, original }) };
}
