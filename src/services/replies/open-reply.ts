/**
 * The Reply button: the reply modal, after the collision guard. Someone who opens a reply
 * on a ticket another person has claimed, or while another person's reply is open or
 * waiting for review, is first told who and since when, and may still go on deliberately.
 * Opening the modal keeps a draft, so the next person sees this one coming.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import { rawMailStoreOf, type Db } from '../../db/client.js';
import { differingReplyTo } from '../../domain/classify-mail.js';
import { formatAddressList } from '../../domain/compose-reply.js';
import { draftKind, type DraftKind } from '../../domain/draft-kind.js';
import type { ForwardedMail } from '../../domain/forward-mail.js';
import { ownAddressesOf, ownAddressMatcher } from '../../domain/own-address.js';
import { storedAddresses } from '../../domain/stored-addresses.js';
import { replyAllCc, type CustomerRecipients } from '../../domain/reply-recipients.js';
import { rawHeader } from '../../mail/raw-headers.js';
import type { Refusal } from '../../domain/refusal.js';
import { replySubject } from '../../domain/reply-subject.js';
import { templateChoices, type TemplateChoice } from '../templates/template-catalog.js';
import type { TicketActionDeps } from '../tickets/change-ticket.js';
import { accessRefusal, mergedRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { draftAddressText } from './draft-addresses.js';
import { forwardedMail } from './forwarded-mail.js';

import { attachmentLimitMb, draftFiles, threadFileChoices, type AttachmentChoice } from './reply-attachments.js';

export interface ReplyDeps extends Pick<TicketActionDeps, 'db' | 'members' | 'userLocales' | 'logger'> {
  mailboxes: readonly TMailboxConfig[];
  now?: () => Date;
}

/** Who else is on the ticket, and since when. */
export interface Collision {
  claimedBy?: { userId: string; since: Date | null };
  drafts: { authorId: string; since: Date }[];
}

/** What the reply modal shows (reply-modals.ts words it in the person's language). */
export interface ReplyModalData {
  /** A reply (also when unset), a forward (the forwarded mail shown instead of the quote) or a new mail. */
  kind?: DraftKind;
  /** A forward's mail: its headers, text and the files sent on with it. */
  forwarded?: ForwardedMail;
  ticketNumber: number;
  draftId: number;
  ticketId: number;
  to: string;
  /** The answered mail's Reply-To differs from its sender: both are shown under To. */
  replyToNote?: { replyTo: string; sender: string };
  cc: string;
  subject: string;
  body: string;
  quoted: string;
  /** Review needed before sending: the button says so. */
  review: boolean;
  /** Templates of the ticket's mailbox (latest versions); the menu is left out when undefined. */
  templates?: readonly TemplateChoice[];
  /** The version chosen in the menu. */
  chosenVersionId?: number;
  /** How often a template has filled the body (see replyBodyBlockId). */
  bodyRevision?: number;
  /** What a template just filled in: its name and version, and whether that is newer than the one chosen. */
  templateFilled?: { name: string; version: number; newer: boolean };
  /** Files in the ticket's thread the reply may attach (and the draft's own, from its last revision). */
  threadFiles?: readonly AttachmentChoice[];
  /** The files the draft attaches now: chosen already when the modal opens. */
  attachedFileIds?: readonly string[];
  /** REPLY_ATTACHMENT_MAX_MB of the ticket's mailbox (unset: the default). */
  attachmentLimitMb?: number;
}

export type ReplyOpening =
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'collision'; ticketId: number; collision: Collision }
  | { kind: 'compose'; modal: ReplyModalData };

/** A modal left open this long without a word is no longer someone writing. */
const EDITING_STALE_MS = 30 * 60 * 1000;

export async function openReply(
  deps: ReplyDeps,
  input: { actorId: string; ticketId: number; deliberate: boolean },
): Promise<ReplyOpening> {
  const { db } = deps;
  const ticket = await db.ticket.findUnique({ where: { id: input.ticketId }, include: { mailbox: true } });
  if (!ticket) return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const denied = (await accessRefusal(deps, ticketChannel(ticket), input.actorId)) ?? (await mergedRefusal(db, ticket));
  if (denied) return { kind: 'refused', refusal: denied };
  const now = deps.now?.() ?? new Date();

  if (!input.deliberate) {
    const collision = await collisionOf(db, ticket, input.actorId, now);
    if (collision) return { kind: 'collision', ticketId: ticket.id, collision };
  }

  const original = await latestInbound(db, ticket.id);
  const draft = await ownDraft(db, {
    ticketId: ticket.id,
    authorId: input.actorId,
    kind: 'reply',
    subject: replySubject(original?.subject ?? ticket.subject),
    answersId: original?.id ?? null,
  });
  return { kind: 'compose', modal: await composeReplyModal(deps, { ticket, draft, original }) };
}

/**
 * Mail no reply answers: a bounce or an out-of-office about our own reply, our own mail,
 * and a stranger's mail threaded into the ticket (it must not decide where replies go).
 */
const NOT_ANSWERED = ['bounce', 'autoReply', 'fromSelf', 'stranger', 'forwardAnswer'] as const;

/** Whether a customer's mail (by its flags) is one a reply answers. */
export function answerable(flags: string): boolean {
  try {
    const parsed = JSON.parse(flags) as Record<string, unknown>;
    return NOT_ANSWERED.every((flag) => parsed[flag] !== true);
  } catch {
    return true;
  }
}

/**
 * The customer's latest mail on the ticket: what the reply answers, quotes and threads to,
 * and whose Reply-To (else From) it goes to. Bounces, automatic replies, our own mail and
 * mail from strangers threaded into the ticket are passed over (a reply to MAILER-DAEMON
 * helps nobody); when there is nothing else, the latest mail.
 */
export async function latestInbound(db: Db, ticketId: number) {
  const recent = await db.message.findMany({
    where: { ticketId, direction: 'in' },
    orderBy: { id: 'desc' },
    take: 50,
    select: ANSWERED_FIELDS,
  });
  return recent.find((message) => answerable(message.flags)) ?? recent[0] ?? null;
}

const ANSWERED_FIELDS = {
  id: true,
  messageId: true,
  references: true,
  fromAddress: true,
  fromName: true,
  replyTo: true,
  subject: true,
  text: true,
  toAddresses: true,
  ccAddresses: true,
  sentAt: true,
  receivedAt: true,
  flags: true,
} as const;

/**
 * The mail a draft answers: the one its author saw in the modal (`answersId`), so the
 * reply threads to and quotes what author and reviewer read, even if the customer wrote
 * again meanwhile; for a draft from before that was kept, the latest.
 */
export async function answeredMail(db: Db, draft: { ticketId: number; answersId: number | null }) {
  const answered =
    draft.answersId === null
      ? null
      : await db.message.findFirst({
          where: { id: draft.answersId, ticketId: draft.ticketId },
          select: ANSWERED_FIELDS,
        });
  return answered ?? latestInbound(db, draft.ticketId);
}

type AnsweredMail = NonNullable<Awaited<ReturnType<typeof latestInbound>>>;

/**
 * The answered mail with every address it was sent to: its To and Cc, and the
 * Delivered-To our server stamped on it (a Bcc to an alias shows only there). The reply
 * is sent from the alias among them (domain/reply-recipients.ts).
 */
export async function withAddressees(
  db: Db,
  mail: AnsweredMail | null,
): Promise<(AnsweredMail & { addressedTo: string[] }) | null> {
  if (!mail) return null;
  // The stored source's first part holds the headers, read through the driver (not Prisma's bytes).
  const source = await rawMailStoreOf(db).openRaw(mail.id);
  const deliveredTo = source ? rawHeader(source.head, 'delivered-to') : null;
  const listed = [...storedAddresses(mail.toAddresses), ...storedAddresses(mail.ccAddresses)];
  return { ...mail, addressedTo: [...listed.map((entry) => entry.address), ...(deliveredTo ? [deliveredTo] : [])] };
}

/** A stored mail's recipients as reply-all and the recipient warning read them. */
export function customerRecipients(mail: {
  fromAddress: string | null;
  replyTo: string | null;
  toAddresses: string;
  ccAddresses: string;
}): CustomerRecipients {
  return {
    from: mail.fromAddress,
    replyTo: mail.replyTo,
    to: storedAddresses(mail.toAddresses),
    cc: storedAddresses(mail.ccAddresses),
  };
}

/** Whether the mailbox's replies wait for a reviewer (REVIEW_POLICY). */
export function needsReview(deps: Pick<ReplyDeps, 'mailboxes'>, mailboxKey: string): boolean {
  return (deps.mailboxes.find((mailbox) => mailbox.key === mailboxKey)?.reviewPolicy ?? 'all') === 'all';
}

export interface ReplyModalState {
  ticket: { id: number; number: number; mailboxId: number; mailbox: { key: string } };
  draft: {
    id: number;
    kind: string;
    revision: number;
    toAddresses: string;
    ccAddresses: string;
    subject: string;
    body: string;
    forwardsId?: number | null;
  };
  /** A forward's mail (read from the draft when not given); a forward has no original to answer. */
  forwarded?: ForwardedMail | null;
  original: {
    fromAddress: string | null;
    replyTo: string | null;
    text: string | null;
    toAddresses: string;
    ccAddresses: string;
  } | null;
  /** What the person has in the modal now, and what a template filled in. */
  overrides?: Partial<
    Pick<ReplyModalData, 'to' | 'cc' | 'body' | 'bodyRevision' | 'chosenVersionId' | 'templateFilled'>
  >;
}

/** The reply modal for a draft, with the mailbox's templates (latest versions) to start from. */
export async function composeReplyModal(
  deps: Pick<ReplyDeps, 'db' | 'mailboxes'>,
  state: ReplyModalState,
): Promise<ReplyModalData> {
  const { ticket, draft } = state;
  const forwarded =
    state.forwarded ?? (draft.kind === 'forward' ? await forwardedMail(deps.db, draft.forwardsId ?? null) : null);
  // A forward goes to whom its author names: nothing of the customer's mail decides it.
  const original = forwarded ? null : state.original;
  const replyTo = original && differingReplyTo(original);
  // A draft never submitted has no To yet: it starts as reply-all. Once submitted, the
  // recipients are what its author chose, even an empty Cc.
  const fresh = draftAddressText(draft.toAddresses) === '';
  const cc =
    fresh && original
      ? formatAddressList(replyAllCc(customerRecipients(original), ownAddressMatcher(ownAddressesOf(deps.mailboxes))))
      : draftAddressText(draft.ccAddresses);
  return {
    kind: draftKind(draft.kind),
    ...(forwarded ? { forwarded } : {}),
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    draftId: draft.id,
    // Where RFC 5322 says a reply goes; a Reply-To that is not the sender is said under To.
    to: draftAddressText(draft.toAddresses) || original?.replyTo || original?.fromAddress || '',
    ...(replyTo ? { replyToNote: { replyTo, sender: original.fromAddress ?? '' } } : {}),
    cc,
    subject: draft.subject,
    body: draft.body,
    quoted: forwarded ? forwarded.text : (original?.text ?? ''),
    review: needsReview(deps, ticket.mailbox.key),
    templates: await templateChoices(deps.db, ticket.mailboxId),
    threadFiles: await threadFileChoices(deps.db, ticket.id, draft.id),
    attachedFileIds: (await draftFiles(deps.db, draft.id, draft.revision)).map((file) => file.slackFileId),
    attachmentLimitMb: attachmentLimitMb(deps.mailboxes, [ticket.mailbox.key]),
    ...state.overrides,
  };
}

/**
 * The author's draft of this kind still being written on the ticket (a forward: of that mail),
 * picked up again rather than doubled; else a new one. A reply picked up answers the latest mail.
 */
export async function ownDraft(
  db: Db,
  draft: {
    ticketId: number;
    authorId: string;
    kind: 'reply' | 'forward';
    subject: string;
    answersId?: number | null;
    forwardsId?: number;
  },
) {
  const existing = await db.draft.findFirst({
    where: {
      ticketId: draft.ticketId,
      authorId: draft.authorId,
      kind: draft.kind,
      forwardsId: draft.forwardsId,
      state: { in: ['editing', 'changes_requested'] },
    },
    orderBy: { id: 'desc' },
  });
  if (existing)
    return db.draft.update({ where: { id: existing.id }, data: { updatedAt: new Date(), answersId: draft.answersId } });
  return db.draft.create({ data: { ...draft, body: '' } });
}

async function collisionOf(
  db: Db,
  ticket: { id: number; assigneeId: string | null; claimedAt: Date | null },
  actorId: string,
  now: Date,
): Promise<Collision | null> {
  const drafts = await db.draft.findMany({
    where: {
      ticketId: ticket.id,
      authorId: { not: actorId },
      // A forward goes to someone else: it is no second answer to the customer.
      kind: { not: 'forward' },
      OR: [
        { state: { in: ['in_review', 'changes_requested'] } },
        { state: 'editing', updatedAt: { gt: new Date(now.getTime() - EDITING_STALE_MS) } },
      ],
    },
    orderBy: { createdAt: 'asc' },
    select: { authorId: true, createdAt: true },
  });
  const claimedBy =
    ticket.assigneeId && ticket.assigneeId !== actorId
      ? { userId: ticket.assigneeId, since: ticket.claimedAt }
      : undefined;
  if (!claimedBy && drafts.length === 0) return null;
  return {
    ...(claimedBy ? { claimedBy } : {}),
    drafts: drafts.map((draft) => ({ authorId: draft.authorId, since: draft.createdAt })),
  };
}

/** The reply modal was closed without sending: an untouched draft is dropped. */
export async function closeReply(db: Db, input: { actorId: string; draftId: number }): Promise<void> {
  await db.draft.updateMany({
    where: { id: input.draftId, authorId: input.actorId, state: 'editing', body: '' },
    data: { state: 'discarded' },
  });
}
