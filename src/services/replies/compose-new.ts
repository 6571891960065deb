import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { mentions } from '../../domain/mentions.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';
import { parseAddressList } from '../../domain/compose-reply.js';
import { fillTemplate, type TemplateValues } from '../../domain/template-variables.js';
import { enqueueReply } from '../outbox/enqueue-reply.js';
import type { MailAttachment } from '../../mail/build-reply-mail.js';
import { templateChoices, type TemplateChoice } from '../templates/template-catalog.js';
import { accessRefusal } from '../tickets/ticket-access.js';
import { createNumberedTicket, upsertCustomerAddress } from '../tickets/new-ticket.js';
import { draftAddressesJson } from './draft-addresses.js';
import { queueDraftPost } from './draft-posts.js';
import { needsReview } from './open-reply.js';
import {
  attachmentLimitBytes,
  attachmentLimitMb,
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
  | {
      kind: 'compose';
      mailboxes: ComposeMailbox[];
      review: boolean;
      /** What the file field takes: the smallest attachment limit among those mailboxes. */
      attachmentLimitMb: number;
      to: string;
      /** The templates of those mailboxes and the shared ones, latest versions. */
      templates: TemplateChoice[];
    }
  /** In none of the mailboxes' channels: nothing to write from. */
  | { kind: 'no_mailbox' };

/** The mailboxes whose channel the person is in (checked with Slack), for the compose modal. */
export async function openCompose(
  deps: Pick<ReviewDeps, 'db' | 'mailboxes' | 'members' | 'logger'>,
  input: { actorId: string; to?: string },
): Promise<ComposeOpening> {
  const mailboxes: ComposeMailbox[] = [];
  for (const mailbox of deps.mailboxes)
    if (!(await accessRefusal(deps, mailbox.channelId, input.actorId)))
      mailboxes.push({ key: mailbox.key, name: mailbox.name, address: mailbox.address });
  if (mailboxes.length === 0) return { kind: 'no_mailbox' };
  // The button says "sends for review" when any of them reviews (the reviewer is told on the draft).
  const review = mailboxes.some((mailbox) => needsReview(deps, mailbox.key));
  const keys = mailboxes.map((mailbox) => mailbox.key);
  const rows = await deps.db.mailbox.findMany({
    where: { key: { in: keys } },
    select: { id: true },
  });
  const templates = await templateChoices(
    deps.db,
    rows.map((row) => row.id),
  );
  return {
    kind: 'compose',
    mailboxes,
    review,
    attachmentLimitMb: attachmentLimitMb(deps.mailboxes, keys),
    to: input.to ?? '',
    templates,
  };
}

/** What the person has in the compose modal when they choose a template. */
export interface ComposeTyped {
  mailboxKey: string;
  to: string | null;
  cc: string | null;
  subject: string | null;
  bodyRevision: number;
}

/** The compose modal again with the template's text in its body; `unusable` when the choice cannot be used. */
export type ComposeTemplatePick =
  | { kind: 'unusable' }
  | {
      kind: 'filled';
      opening: Extract<ComposeOpening, { kind: 'compose' }>;
      typed: ComposeTyped;
      body: string;
      chosenVersionId: number;
      templateFilled: { name: string; version: number; newer: boolean };
    };

/**
 * A template chosen in the compose modal: its latest version (an option from an older
 * modal gets the edit, and says so), the variables filled as far as they are known before
 * the ticket exists (the customer is the first To; a shared template's mailbox variables
 * wait for a mailbox to be chosen, and anything unknown stays `{{…}}` for the author to
 * see). Only templates of mailboxes the person may write from; the version is recorded
 * on the draft when the modal is submitted (it carries it in its private_metadata).
 */
export async function pickComposeTemplate(
  deps: ReviewDeps,
  input: { actorId: string; versionId: number; typed: ComposeTyped },
): Promise<ComposeTemplatePick> {
  const unusable = { kind: 'unusable' } as const;
  const opening = await openCompose(deps, { actorId: input.actorId, to: input.typed.to ?? '' });
  if (opening.kind !== 'compose') return unusable;
  const picked = await deps.db.templateVersion.findUnique({
    where: { id: input.versionId },
    include: { template: { include: { mailbox: { select: { key: true } } } } },
  });
  const template = picked?.template;
  const keys = opening.mailboxes.map((mailbox) => mailbox.key);
  if (!template || template.archived || (template.mailbox && !keys.includes(template.mailbox.key))) return unusable;
  const latest =
    picked.version === template.currentVersion
      ? picked
      : await deps.db.templateVersion.findUnique({
          where: { templateId_version: { templateId: template.id, version: template.currentVersion } },
        });
  if (!latest) return unusable;
  // The mailbox chosen, else the template's own.
  const mailboxKey = keys.includes(input.typed.mailboxKey) ? input.typed.mailboxKey : template.mailbox?.key;
  const body = fillTemplate(
    latest.body,
    await composeVariables(deps, { actorId: input.actorId, mailboxKey, to: input.typed.to ?? '' }),
  );
  deps.logger.info(
    { code: 'compose_template_picked', templateVersionId: latest.id, actorId: input.actorId },
    'template filled into a new mail',
  );
  return {
    kind: 'filled',
    opening,
    typed: input.typed,
    body,
    chosenVersionId: latest.id,
    templateFilled: { name: template.name, version: latest.version, newer: latest.id !== picked.id },
  };
}

/** The template variables known while a new mail is written (no ticket number yet). */
async function composeVariables(
  deps: ReviewDeps,
  input: { actorId: string; mailboxKey: string | undefined; to: string },
): Promise<TemplateValues> {
  const config = deps.mailboxes.find((mailbox) => mailbox.key === input.mailboxKey);
  const customer = parseAddressList(input.to).addresses[0];
  const agentName = await deps.userNames.nameOf(input.actorId);
  return {
    customer_name: customer?.name || null,
    customer_company: null,
    agent_name: agentName,
    ticket_number: null,
    original_date: null,
    mailbox_name: config?.name ?? null,
    mailbox_address: config ? replyFrom(deps, config, null) : null,
  };
}

/**
 * The template version a submitted compose modal started from, when it may be used from
 * the mailbox chosen (a template of another mailbox is not recorded against this one).
 */
async function usableVersionId(deps: ReviewDeps, versionId: number | undefined, mailboxId: number) {
  if (versionId === undefined) return null;
  const version = await deps.db.templateVersion.findUnique({ where: { id: versionId }, include: { template: true } });
  const template = version?.template;
  return template && (template.mailboxId === null || template.mailboxId === mailboxId) ? version.id : null;
}

/** The ticket got another number than its mail was signed with (see submitNewMail): undone, and tried again. */
class NumberTaken extends Error {}
/** Tries at a free number before giving up (another ticket taking each in turn is all but impossible). */
const NUMBER_ATTEMPTS = 5;

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
    /** The template version the modal was filled from (its private_metadata). */
    templateVersionId?: number;
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
  const ticketView = (number: number) => ({
    number,
    mailboxId: mailbox.id,
    mailbox: { key: config.key, name: mailbox.name, address: mailbox.address, locale: mailbox.locale },
    customer: { address: customer.address, name: customer.name || null, company: null },
  });
  const fields = {
    kind: 'new',
    toAddresses: draftAddressesJson(to),
    ccAddresses: draftAddressesJson(cc),
    subject,
    body: values.body,
    fromAddress: replyFrom(deps, mailbox, null),
    submittedAt: new Date(),
    templateVersionId: await usableVersionId(deps, input.templateVersionId, mailbox.id),
  };
  let attachments: MailAttachment[] | null = null;
  if (!review) {
    const fetched = await fetchAttachments(deps.files, checked.files);
    if (!fetched.ok)
      return { kind: 'invalid', errors: { files: { kind: 'file_unavailable', filename: fetched.filename } } };
    attachments = fetched.attachments;
  }
  const now = new Date();

  /**
   * The new mail recorded as ticket `number`: its signature's {{ticket_number}} and, sent
   * without review, the mail built before the transaction say that number. Null (nothing
   * kept) when another ticket took the number first.
   */
  const recordAs = async (number: number): Promise<{ id: number; number: number } | null> => {
    const draftFields = {
      ...fields,
      signature: await replySignature(deps, { actorId: input.actorId, ticket: ticketView(number), original: null }),
    };
    const prepared =
      attachments &&
      (await enqueueReply.prepare(deps, { ...draftFields, ticket: ticketView(number) }, null, attachments));
    let made: { id: number; number: number } | undefined;
    try {
      await enqueueReply.queueWithin(deps.db, prepared, async () => {
        made = await deps.db.$transaction(async (tx) => {
          const ticket = await createNumberedTicket(tx, {
            mailboxId: mailbox.id,
            channelId: config.channelId,
            subject,
            customerId: await upsertCustomerAddress(tx, customer),
            at: now,
          });
          if (ticket.number !== number) throw new NumberTaken();
          const draft = await tx.draft.create({
            data: {
              ...draftFields,
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
    } catch (error) {
      if (error instanceof NumberTaken) return null;
      throw error;
    } finally {
      enqueueReply.collectAfter(prepared?.staged.size ?? 0);
    }
    if (!made) throw new Error('the new mail was not recorded');
    return made;
  };
  let made = await recordAs(mailbox.nextTicketNumber);
  for (let attempt = 2; !made; attempt++) {
    if (attempt > NUMBER_ATTEMPTS)
      throw new Error(`ticket numbers of ${config.key} kept being taken; nothing recorded`);
    const { nextTicketNumber } = await deps.db.mailbox.findUniqueOrThrow({
      where: { id: mailbox.id },
      select: { nextTicketNumber: true },
    });
    made = await recordAs(nextTicketNumber);
  }
  deps.logger.info(
    { code: review ? 'new_mail_submitted' : 'new_mail_queued', ticketId: made.id },
    review ? 'new mail submitted for review' : 'new mail queued for sending',
  );
  deps.wakePoster();
  if (!review) deps.wakeOutbox();
  return { kind: 'submitted', review, ticketNumber: made.number };
}
