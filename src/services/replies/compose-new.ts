/**
 * New outbound mail (`/mail new`, the Home tab's and the customer card's "New mail"): the
 * compose modal's choices, and its submission. A new mail is a Draft of kind `new` on a
 * ticket made for it when it is submitted — numbered in its mailbox, its customer the
 * first To, posted in the mailbox's channel — so the team sees it while it waits for
 * review, and review, the outbox, exactly-once sending and the Sent copy are a reply's.
 * The mail threads to nothing; the customer's answer comes back into that ticket.
 */
import type { Tx } from '../../db/client.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { mentions } from '../../domain/mentions.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';
import { enqueueReply } from '../outbox/enqueue-reply.js';
import { accessRefusal } from '../tickets/ticket-access.js';
import { upsertCustomerAddress } from '../tickets/split-mail.js';
import { draftAddressesJson } from './draft-addresses.js';
import { queueDraftPost } from './draft-posts.js';
import { needsReview } from './open-reply.js';
import {
  attachmentLimitBytes,
  checkAttachments,
  fetchAttachments,
  saveDraftFiles,
  type ChosenAttachments,
} from './reply-attachments.js';
import { checkRecipients, type ReplyField, type ReplyProblem, type ReviewDeps } from './review-reply.js';
import { replyFrom, replySignature } from './reply-variables.js';

/** A mailbox a person may write from: its channel is one they are in. */
export interface ComposeMailbox {
  key: string;
  name: string;
  address: string;
}

export type ComposeOpening =
  | { kind: 'compose'; mailboxes: ComposeMailbox[]; review: boolean; to: string }
  /** In none of the mailboxes' channels: nothing to write from. */
  | { kind: 'no_mailbox' };

/** The mailboxes whose channel the person is in (checked with Slack), for the compose modal. */
export async function openCompose(
  deps: Pick<ReviewDeps, 'mailboxes' | 'members' | 'logger'>,
  input: { actorId: string; to?: string },
): Promise<ComposeOpening> {
  const mailboxes: ComposeMailbox[] = [];
  for (const mailbox of deps.mailboxes)
    if (!(await accessRefusal(deps, mailbox.channelId, input.actorId)))
      mailboxes.push({ key: mailbox.key, name: mailbox.name, address: mailbox.address });
  if (mailboxes.length === 0) return { kind: 'no_mailbox' };
  // The button says "sends for review" when any of them reviews (the reviewer is told on the draft).
  const review = mailboxes.some((mailbox) => needsReview(deps, mailbox.key));
  return { kind: 'compose', mailboxes, review, to: input.to ?? '' };
}

export type ComposeField = ReplyField | 'mailbox' | 'subject';
export type ComposeProblem = ReplyProblem | { kind: 'mailbox_missing' } | { kind: 'subject_missing' };

export type ComposeSubmission =
  | { kind: 'submitted'; review: boolean; ticketNumber: number }
  | { kind: 'invalid'; errors: Partial<Record<ComposeField, ComposeProblem>> };

/** The compose modal submitted: checked, then a ticket with the draft in review (or in the outbox). */
export async function submitNewMail(
  deps: ReviewDeps,
  input: {
    actorId: string;
    values: { mailboxKey: string; to: string; cc: string; subject: string; body: string };
    attachments?: ChosenAttachments;
  },
): Promise<ComposeSubmission> {
  const { values } = input;
  const config = deps.mailboxes.find((mailbox) => mailbox.key === values.mailboxKey);
  const mailbox = config && (await deps.db.mailbox.findUnique({ where: { key: config.key } }));
  if (!config || !mailbox) return { kind: 'invalid', errors: { mailbox: { kind: 'mailbox_missing' } } };
  // Only members of the mailbox's channel write from it (a forged submission changes nothing).
  const denied = await accessRefusal(deps, config.channelId, input.actorId);
  if (denied)
    return { kind: 'invalid', errors: { mailbox: { kind: 'refused', refusal: { kind: 'access', refusal: denied } } } };

  const { to, cc, errors: recipientErrors } = checkRecipients(deps, values);
  const errors: Partial<Record<ComposeField, ComposeProblem>> = { ...recipientErrors };
  const subject = values.subject.replace(/[\r\n]+/g, ' ').trim();
  if (!subject) errors.subject = { kind: 'subject_missing' };
  if (!values.body.trim()) errors.body = { kind: 'body_missing' };
  // Uploads only: a new mail has no thread to take files from.
  const checked = await checkAttachments(deps, {
    ticketId: -1,
    draftId: -1,
    limitBytes: attachmentLimitBytes(deps.mailboxes, config.key),
    chosen: { uploaded: input.attachments?.uploaded ?? [], threadFileIds: [] },
  });
  if (!checked.ok) errors[checked.field] = checked.problem;
  if (Object.keys(errors).length || !checked.ok) return { kind: 'invalid', errors };

  const review = needsReview(deps, config.key);
  const customer = to[0]!;
  // The number the ticket will most likely get, for a signature's {{ticket_number}}; taken in the transaction.
  const ticketView = (number: number) => ({
    number,
    mailboxId: mailbox.id,
    mailbox: { key: config.key, name: mailbox.name, address: mailbox.address, locale: mailbox.locale },
    customer: { address: customer.address, name: customer.name || null, company: null },
  });
  const signatureFor = (number: number) =>
    replySignature(deps, { actorId: input.actorId, ticket: ticketView(number), original: null });
  const fields = {
    kind: 'new',
    toAddresses: draftAddressesJson(to),
    ccAddresses: draftAddressesJson(cc),
    subject,
    body: values.body,
    signature: await signatureFor(mailbox.nextTicketNumber),
    fromAddress: replyFrom(deps, mailbox, null),
    submittedAt: new Date(),
  };
  let prepared = null;
  if (!review) {
    const fetched = await fetchAttachments(deps.files, checked.files);
    if (!fetched.ok)
      return { kind: 'invalid', errors: { files: { kind: 'file_unavailable', filename: fetched.filename } } };
    prepared = await enqueueReply.prepare(
      deps,
      { ...fields, ticket: ticketView(mailbox.nextTicketNumber) },
      null,
      fetched.attachments,
    );
  }
  const now = new Date();
  let made: { id: number; number: number } | undefined;
  await enqueueReply.queueWithin(deps.db, prepared, async () => {
    made = await deps.db.$transaction(async (tx) => {
      const ticket = await createTicket(tx, { mailboxId: mailbox.id, channelId: config.channelId, subject, now });
      const customerId = await upsertCustomerAddress(tx, customer);
      await tx.ticket.update({ where: { id: ticket.id }, data: { customerId } });
      // Another new ticket took the number first: the signature names the one this got.
      const signature =
        ticket.number === mailbox.nextTicketNumber ? fields.signature : await signatureFor(ticket.number);
      const draft = await tx.draft.create({
        data: {
          ...fields,
          signature,
          ticketId: ticket.id,
          authorId: input.actorId,
          state: review ? 'in_review' : 'approved',
        },
      });
      await saveDraftFiles(tx, draft.id, draft.revision, checked.files);
      const audit = (action: string, detail: object) =>
        tx.auditLog.create({
          data: {
            mailboxId: mailbox.id,
            ticketId: ticket.id,
            actorId: input.actorId,
            action,
            detail: JSON.stringify(detail),
          },
        });
      await audit(TICKET_ACTIONS.createdForMail, { draftId: draft.id });
      const submitted = await audit(TICKET_ACTIONS.draftSubmitted, { draftId: draft.id, revision: 1, review });
      // The ticket's message shows the mail being written (render-post.ts: payload draftId).
      await queuePosts(tx, [
        {
          mailboxId: mailbox.id,
          ticketId: ticket.id,
          channelId: config.channelId,
          kind: POST_KINDS.ticket,
          dedupeKey: `ticket:${ticket.id}`,
          payload: { draftId: draft.id },
        },
      ]);
      const place = { ...ticket, slackChannelId: config.channelId, slackTs: null };
      if (review)
        await queueDraftPost(
          tx,
          place,
          { draftId: draft.id, revision: 1, reviewers: mentions(config.reviewers) },
          String(submitted.id),
        );
      else await enqueueReply.commit(tx, { ...draft, ticket: place }, prepared!);
      return ticket;
    });
    return true;
  });
  if (!made) throw new Error('the new mail was not recorded');
  enqueueReply.collectAfter(prepared?.staged.size ?? 0);
  deps.logger.info(
    { code: review ? 'new_mail_submitted' : 'new_mail_queued', ticketId: made.id },
    review ? 'new mail submitted for review' : 'new mail queued for sending',
  );
  deps.wakePoster();
  if (!review) deps.wakeOutbox();
  return { kind: 'submitted', review, ticketNumber: made.number };
}

/** The next ticket of the mailbox, open, in its channel. */
async function createTicket(
  tx: Tx,
  input: { mailboxId: number; channelId: string; subject: string; now: Date },
): Promise<{ id: number; number: number; mailboxId: number }> {
  const counter = await tx.mailbox.update({
    where: { id: input.mailboxId },
    data: { nextTicketNumber: { increment: 1 } },
    select: { nextTicketNumber: true },
  });
  return tx.ticket.create({
    data: {
      mailboxId: input.mailboxId,
      number: counter.nextTicketNumber - 1,
      subject: input.subject,
      slackChannelId: input.channelId,
      createdAt: input.now,
      lastMessageAt: input.now,
    },
    select: { id: true, number: true, mailboxId: true },
  });
}
