/**
 * The writes that commit understood mails, as one SQL script (see db/sql-script.ts) for a
 * whole batch: put each mail into its ticket or open a ticket, queue its Slack posts, and
 * claim the mail by its state with its parsed fields and attachments. Everything is decided beforehand (parsing,
 * classification, threading, routing: see ingest-stored-mail.ts) except what only the
 * transaction can know: the ticket's current state and the ids the database hands out.
 */
import {
  addressesOnTicket,
  claimWaitingMessage,
  customerPostsWaiting,
  customStatusCategory,
  firstMailOf,
  insertAttachment,
  insertSystemAudit,
  insertTicket,
  postQueued,
  recordTicketMail,
  takeTicketNumber,
  followMerges,
  upsertCustomer,
  type CustomerFields,
  type MessageFields,
  type TicketToFollow,
} from '../../db/queries/ingest-commit.js';
import type { SqlScript } from '../../db/sql-script.js';
import { LostClaimError } from '../../errors.js';
import type { MailFlags } from '../../domain/classify-mail.js';
import type { RoutingActions } from '../../domain/routing.js';
import { DEFAULT_STATUSES, statusCategory } from '../../domain/ticket-fields.js';
import { isParticipant } from '../../domain/ticket-participants.js';
import type { AttachmentInfo } from '../../domain/parsed-mail.js';
import type { ThreadTarget } from '../../domain/thread-batch.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { MERGE_HOPS } from '../../domain/ticket-merge.js';
import { POST_KINDS, POST_PRIORITY, type PostKind } from '../../posts/post-kinds.js';
import { queuePostSql, ticketChangePosts } from '../../posts/queue-post.js';

export type IngestOutcome =
  | { kind: 'new_ticket'; ticketId: number }
  | { kind: 'follow_up'; ticketId: number }
  | { kind: 'already_done' };

/** A mail ready to be written: everything but what the transaction finds out. */
export interface PlannedMail {
  messageRowId: number;
  mailboxId: number;
  /** The mailbox's channel, for a new ticket (a follow-up goes where its ticket was posted). */
  channelId: string;
  receivedAt: Date;
  fields: MessageFields;
  attachments: AttachmentInfo[];
  flags: MailFlags;
  /** False for history: the ticket is kept closed and nothing is posted. */
  announce: boolean;
  /** The mail brings files into the thread (attachments or an over-long text). */
  hasFiles: boolean;
  /**
   * The ticket message cannot show the whole text (quoted history, a signature, or more
   * than the preview): a new ticket's thread gets the full text too.
   */
  needsTextCopy: boolean;
  thread: ThreadTarget;
  /**
   * Who sent the mail, as a customer (customerAddressOf), when its From was readable: a
   * follow-up's is checked against the ticket's people (null never passes).
   */
  sender: string | null;
  /** For a new ticket: the routing rules' actions and the customer to remember. */
  routing: RoutingActions;
  customer: CustomerFields | null;
}

/** Commits the mails in order, in one transaction; a lost claim throws LostClaimError. */
export function* commitMailsScript(mails: readonly PlannedMail[], now: Date): SqlScript<IngestOutcome[]> {
  // The ticket each mail of this batch went into, for later mails of the batch answering it.
  const ticketOfMail = new Map<number, number>();
  const outcomes: IngestOutcome[] = [];
  for (const mail of mails) {
    const target = mail.thread;
    const ticketId =
      target?.kind === 'ticket'
        ? target.ticketId
        : target?.kind === 'batch'
          ? ticketOfMail.get(target.messageRowId)
          : undefined;
    const outcome: IngestOutcome =
      ticketId !== undefined
        ? { kind: 'follow_up', ticketId: yield* followUp(mail, ticketId, now) }
        : { kind: 'new_ticket', ticketId: yield* openTicket(mail, now) };
    ticketOfMail.set(mail.messageRowId, outcome.ticketId);
    outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * Writes the mail's fields and ticket, if it is still waiting: another worker may have
 * finished it meanwhile, and then the whole transaction (its ticket too) is undone. One
 * statement, because each update rewrites the whole row, raw source included; made as
 * soon as the ticket is known and before the mail's posts (unique keys): on PostgreSQL a
 * second worker committing the same mail waits here for the first, then finds it done.
 */
function* claimMail(mail: PlannedMail, ticketId: number, now: Date): SqlScript<void> {
  if (!(yield* claimWaitingMessage(mail.messageRowId, ticketId, mail.fields)))
    throw new LostClaimError(mail.messageRowId);
  for (const attachment of mail.attachments) yield* insertAttachment(mail.messageRowId, attachment, now);
}

/** Whether the mail answers a forward of ours (thread-batch.ts `viaForward`). */
function viaForward(mail: PlannedMail): boolean {
  return mail.thread?.viaForward === true;
}

/** Adds the mail to a ticket (reopening it if closed); returns the ticket's id. */
function* followUp(mail: PlannedMail, threadTicketId: number, now: Date): SqlScript<number> {
  for (let round = 0; round < MERGE_HOPS; round += 1) {
    // Threading finds the mails where they are, but a merge can come between the threading and this commit.
    const followed = yield* followMerges(threadTicketId);
    if (!followed) throw new Error(`ticket ${threadTicketId} of a thread is missing`);
    const { ticketId, ticket } = followed;
    // The thread lives where the ticket was posted, even if the mailbox moved channels since.
    const channelId = ticket.slackChannelId ?? mail.channelId;
    // A mailbox's own status is closed when its category says so.
    const category =
      (yield* customStatusCategory(mail.mailboxId, ticket.status)) ?? statusCategory(DEFAULT_STATUSES, ticket.status);
    const closed = category === 'closed';
    // A customer writing again reopens a closed ticket; an auto-reply does not, nor does
    // an answer to a forward (a third party's internal note).
    const reopen = closed && !mail.flags.autoReply && !mail.flags.bounce && !viaForward(mail);
    // Merged while we looked (PostgreSQL: the merge held the ticket's row until it committed): look again.
    if (!(yield* recordTicketMail(ticketId, mail.receivedAt, now, reopen))) continue;
    return yield* addFollowUp(mail, { ticketId, ticket, channelId, reopen }, now);
  }
  throw new Error(`ticket ${threadTicketId} of a thread keeps being merged`);
}

/** The rest of a follow-up, once its ticket has taken it: the mail claimed and its posts queued. */
function* addFollowUp(
  mail: PlannedMail,
  into: { ticketId: number; ticket: TicketToFollow; channelId: string; reopen: boolean },
  now: Date,
): SqlScript<number> {
  const { ticketId, ticket, channelId, reopen } = into;
  // Kept and shown like any mail, but marked: the reply keeps going where it went (open-reply.ts).
  // An answer to a forward is marked as one instead: an internal note, never the customer's mail.
  const mark = viaForward(mail)
    ? { forwardAnswer: true }
    : (yield* fromStranger(mail, ticketId, ticket.customerAddress))
      ? { stranger: true }
      : null;
  yield* claimMail(
    mark
      ? { ...mail, fields: { ...mail.fields, flags: JSON.stringify({ ...JSON.parse(mail.fields.flags), ...mark }) } }
      : mail,
    ticketId,
    now,
  );
  if (mail.announce) {
    // A ticket known only from imported history (or junk) has no Slack thread yet: open one
    // with its first mail, then add this one.
    const post = mailPoster(mail, ticketId, channelId, now);
    if (!(yield* postQueued(`ticket:${ticketId}`))) {
      yield* post(POST_KINDS.ticket, { messageRowId: (yield* firstMailOf(ticketId)) ?? mail.messageRowId });
    }
    yield* post(POST_KINDS.followUp);
    if (mail.hasFiles) yield* post(POST_KINDS.files);
    // A ticket others were merged into shows its mail count and last mail: both just changed.
    if (ticket.hasMergedIn && !reopen) yield* post(POST_KINDS.ticketUpdate);
  }
  if (reopen) {
    const auditId = yield* audit(mail, ticketId, TICKET_ACTIONS.reopened, { messageRowId: mail.messageRowId }, now);
    // The ticket's message shows it open again, and the thread says why (as for a person's change).
    const posted = { id: ticketId, mailboxId: mail.mailboxId, slackChannelId: channelId, slackTs: ticket.slackTs };
    for (const post of ticketChangePosts(posted, auditId)) yield* queuePostSql(post, now);
  }
  return ticketId;
}

/**
 * Whether a follow-up comes from neither the ticket's customer nor anyone on its mails
 * (domain/ticket-participants.ts). Bounces and our own mail never steer replies: not asked.
 */
function* fromStranger(mail: PlannedMail, ticketId: number, customerAddress: string | null): SqlScript<boolean> {
  if (mail.flags.bounce || mail.flags.fromSelf || isParticipant(mail.sender, customerAddress, [])) return false;
  // An unreadable sender is a stranger whoever is on the ticket: no need to read its mails.
  if (!mail.sender?.trim()) return true;
  return !isParticipant(mail.sender, customerAddress, yield* addressesOnTicket(ticketId));
}

/** Opens a numbered ticket for the mail, routed by the rules; returns its id. */
function* openTicket(mail: PlannedMail, now: Date): SqlScript<number> {
  // A name the mail gives replaces the kept one only when the customer sent it from that
  // address: a mail naming them from elsewhere (a web form anyone can fill in with anyone's
  // address) leaves it as it is.
  const customerId = mail.customer ? yield* upsertCustomer(mail.customer, now) : null;
  const number = yield* takeTicketNumber(mail.mailboxId, now);
  const { routing } = mail;
  // Imported history is history: closed, so it waits in no list; an answer reopens it.
  const status = mail.announce ? (routing.status ?? 'open') : 'done';
  const closedAt = mail.announce ? null : mail.receivedAt;
  const junk = routing.junk === true;
  const ticketId = yield* insertTicket({
    mailboxId: mail.mailboxId,
    number,
    subject: mail.fields.subject ?? '',
    customerId,
    status,
    urgency: routing.urgency ?? 'normal',
    assigneeId: routing.assignee ?? null,
    claimedAt: routing.assignee ? now : null,
    junk,
    tags: JSON.stringify(routing.tags),
    slackChannelId: mail.channelId,
    createdAt: mail.receivedAt,
    updatedAt: now,
    lastMessageAt: mail.receivedAt,
    closedAt,
  });
  yield* claimMail(mail, ticketId, now);
  // Junk is kept (and findable) but not put in front of the team.
  if (mail.announce && !junk) {
    // One sender's burst of new tickets (a mail loop, a script) does not hold up everyone
    // else: past SENDER_BURST of theirs waiting, the rest go behind other customers' tickets.
    const crowded =
      customerId !== null &&
      (yield* customerPostsWaiting(customerId, mail.channelId, POST_KINDS.ticket, SENDER_BURST)) >= SENDER_BURST;
    const post = mailPoster(mail, ticketId, mail.channelId, now);
    yield* post(POST_KINDS.ticket, { priority: crowded ? POST_PRIORITY.thread : undefined });
    if (mail.needsTextCopy) yield* post(POST_KINDS.mailBody);
    if (mail.hasFiles) yield* post(POST_KINDS.files);
  }
  const action = mail.announce ? 'ticket.created' : 'ticket.imported';
  yield* audit(
    mail,
    ticketId,
    action,
    { messageRowId: mail.messageRowId, flags: mail.flags, routing: routing.matched },
    now,
  );
  return ticketId;
}

/** What a post is queued once for: the ticket's message, a mail's files, or the mail itself. */
function postDedupeKey(kind: PostKind, ticketId: number, messageRowId: number): string {
  if (kind === POST_KINDS.ticket) return `ticket:${ticketId}`;
  if (kind === POST_KINDS.files) return `files:${messageRowId}`;
  if (kind === POST_KINDS.ticketUpdate) return `update:message:${messageRowId}`;
  return `message:${messageRowId}`;
}

/**
 * Queues the posts that show this mail in the ticket's channel. `messageRowId`: the mail a
 * ticket message shows, when not this one (a thread opened late shows its first mail).
 */
function mailPoster(mail: PlannedMail, ticketId: number, channelId: string, now: Date) {
  return function* (kind: PostKind, options: { messageRowId?: number; priority?: number } = {}): SqlScript<void> {
    const messageRowId = options.messageRowId ?? mail.messageRowId;
    const dedupeKey = postDedupeKey(kind, ticketId, mail.messageRowId);
    yield* queuePostSql(
      {
        mailboxId: mail.mailboxId,
        ticketId,
        channelId,
        kind,
        dedupeKey,
        payload: { messageRowId },
        priority: options.priority,
      },
      now,
    );
  };
}

/** A customer's new tickets waiting in a channel before their next goes behind other customers'. */
const SENDER_BURST = 5;

function* audit(mail: PlannedMail, ticketId: number, action: string, detail: object, now: Date): SqlScript<number> {
  return yield* insertSystemAudit(mail.mailboxId, ticketId, action, detail, now);
}
