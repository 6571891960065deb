/**
 * Splitting one mail out of a ticket into a new ticket of its own: a customer's mail
 * threaded into a conversation it does not belong to (an answer to an old mail that raises
 * something new). The new ticket takes the mailbox's next number, the mail's customer and
 * status open, and is posted in the channel like any new ticket (through the post queue);
 * both threads say what happened, and both tickets keep an audit record. Only members of
 * the ticket's channel may.
 */
import type { Db, Tx } from '../../db/client.js';
import { customerAddressOf } from '../../domain/classify-mail.js';
import type { MailAddress } from '../../domain/parsed-mail.js';
import type { Refusal } from '../../domain/refusal.js';
import { TICKET_ACTIONS, type AuditDetail } from '../../domain/ticket-change.js';
import { ticketPreviewShowsWhole } from '../../domain/ticket-preview.js';
import { TicketChangedError } from '../../errors.js';
import { POST_KINDS } from '../../posts/post-kinds.js';
import { queuePosts, type PostToQueue, type QueuedTicket } from '../../posts/queue-post.js';
import type { TicketActionDeps } from './change-ticket.js';
import { needsThreadFiles } from './load-thread-files.js';
import { resetLastMailTime } from './last-mail-time.js';
import { queueTicketPosts } from './queue-ticket-posts.js';
import { accessRefusal, mergedRefusal, ticketChannel } from './ticket-access.js';
import { createNumberedTicket, upsertCustomerAddress } from './new-ticket.js';
import { z } from 'zod';

/** What a split_update post names: the message, the ticket it is in, the mails it showed, the split. */
export const ZSplitUpdate = z.object({
  ts: z.string().min(1),
  sourceTicketId: z.number().int(),
  messageRowIds: z.array(z.number().int()).min(1),
  auditId: z.number().int(),
});
export type SplitUpdatePayload = z.infer<typeof ZSplitUpdate>;

export type SplitAnswer = { kind: 'split'; ticketId: number; number: number } | { kind: 'refused'; refusal: Refusal };

const MAIL_SPLIT = {
  id: true,
  ticketId: true,
  direction: true,
  fromAddress: true,
  fromName: true,
  replyTo: true,
  subject: true,
  text: true,
  receivedAt: true,
  slackTs: true,
  attachments: { select: { inline: true } },
} as const;

type SplitMail = NonNullable<Awaited<ReturnType<typeof loadMail>>>;

function loadMail(db: Db, messageRowId: number) {
  return db.message.findUnique({ where: { id: messageRowId }, select: MAIL_SPLIT });
}

/** Moves mail `messageRowId` out of its ticket into a new one. */
export async function splitMail(
  deps: TicketActionDeps,
  input: { actorId: string; messageRowId: number },
): Promise<SplitAnswer> {
  const refused = (refusal: Refusal): SplitAnswer => ({ kind: 'refused', refusal });
  const { db } = deps;
  const mail = await loadMail(db, input.messageRowId);
  if (!mail || mail.ticketId === null) return refused({ kind: 'split_mail_gone' });
  const source = await db.ticket.findUnique({
    where: { id: mail.ticketId },
    include: { mailbox: { select: { channelId: true } } },
  });
  if (!source) return refused({ kind: 'split_mail_gone' });
  const channelId = ticketChannel(source);
  const denied = (await accessRefusal(deps, channelId, input.actorId)) ?? (await mergedRefusal(db, source));
  if (denied) return refused(denied);
  if (mail.direction !== 'in') return refused({ kind: 'split_outgoing' });
  const first = await db.message.findFirst({
    where: { ticketId: source.id },
    orderBy: { id: 'asc' },
    select: { id: true },
  });
  if (first?.id === mail.id) return refused({ kind: 'split_first_mail' });
  try {
    const created = await writeSplit(deps, input.actorId, { mail, source, channelId });
    deps.wakePoster();
    deps.logger.info(
      {
        code: TICKET_ACTIONS.split,
        ticketId: source.id,
        newTicketId: created.id,
        messageRowId: mail.id,
        actorId: input.actorId,
      },
      'mail split out into a new ticket',
    );
    return { kind: 'split', ticketId: created.id, number: created.number };
  } catch (error) {
    // Split by someone else meanwhile, or its ticket merged: it is not where it was.
    if (error instanceof TicketChangedError) return refused({ kind: 'split_mail_gone' });
    throw error;
  }
}

/** The customer of a stored mail, as ingest takes it from a parsed one (customerAddressOf). */
function customerOf(mail: SplitMail): MailAddress | null {
  const from = mail.fromAddress ? { name: mail.fromName ?? '', address: mail.fromAddress } : null;
  const replyTo = mail.replyTo ? { name: '', address: mail.replyTo } : null;
  return customerAddressOf({ from, replyTo });
}

async function upsertCustomer(tx: Tx, mail: SplitMail): Promise<number | null> {
  const customer = customerOf(mail);
  return customer ? upsertCustomerAddress(tx, customer) : null;
}

async function writeSplit(
  deps: TicketActionDeps,
  actorId: string,
  split: { mail: SplitMail; source: QueuedTicket & { number: number; subject: string }; channelId: string },
): Promise<{ id: number; number: number }> {
  const { mail, source, channelId } = split;
  const now = deps.now?.() ?? new Date();
  return deps.db.$transaction(async (tx) => {
    // The source's row first, as a merge takes it: a merge and a split of one ticket go one after the other.
    const held = await tx.ticket.updateMany({ where: { id: source.id, mergedIntoId: null }, data: { updatedAt: now } });
    if (held.count === 0) throw new TicketChangedError(source.id);
    const ticket = await createNumberedTicket(tx, {
      mailboxId: source.mailboxId,
      channelId,
      subject: mail.subject ?? source.subject,
      customerId: await upsertCustomer(tx, mail),
      at: mail.receivedAt,
    });
    const moved = await tx.message.updateMany({
      where: { id: mail.id, ticketId: source.id },
      data: { ticketId: ticket.id },
    });
    if (moved.count === 0) throw new TicketChangedError(source.id);
    await resetLastMailTime(tx, source.id);
    const detail: AuditDetail = {
      sourceId: source.id,
      sourceNumber: source.number,
      targetId: ticket.id,
      targetNumber: ticket.number,
      mails: 1,
      sender: mail.fromAddress,
    };
    const audit = (ticketId: number, action: string) =>
      tx.auditLog.create({
        data: {
          mailboxId: source.mailboxId,
          ticketId,
          actorId,
          action,
          detail: JSON.stringify(detail),
          createdAt: now,
        },
      });
    const left = await audit(source.id, TICKET_ACTIONS.split);
    const made = await audit(ticket.id, TICKET_ACTIONS.splitFrom);
    await queuePosts(tx, newTicketPosts(mail, ticket, channelId, made.id), now);
    await queueTicketPosts(tx, source, left.id);
    await queuePosts(tx, await followUpUpdate(tx, { mail, source, channelId, auditId: left.id }), now);
    return ticket;
  });
}

/**
 * The follow-up message that showed the mail in the old thread, updated to say where it
 * went. Several follow-ups may share one message (folded): the mails it showed are named
 * now, while their slackTs still says so (a post in the new thread will move the mail's).
 */
async function followUpUpdate(
  tx: Tx,
  split: { mail: SplitMail; source: QueuedTicket; channelId: string; auditId: number },
): Promise<PostToQueue[]> {
  const { mail, source, channelId, auditId } = split;
  if (!mail.slackTs || mail.slackTs === source.slackTs) return [];
  const shown = await tx.message.findMany({
    where: { slackTs: mail.slackTs, OR: [{ ticketId: source.id }, { id: mail.id }] },
    orderBy: { id: 'asc' },
    select: { id: true },
  });
  const payload: SplitUpdatePayload = {
    ts: mail.slackTs,
    sourceTicketId: source.id,
    messageRowIds: shown.map((row) => row.id),
    auditId,
  };
  return [
    {
      mailboxId: source.mailboxId,
      ticketId: source.id,
      channelId,
      kind: POST_KINDS.splitUpdate,
      dedupeKey: `split-update:${auditId}`,
      payload,
    },
  ];
}

/**
 * A new ticket's posts, as the ingest queues them for one (commit-script.ts): the ticket
 * message, the full text and the files when the message cannot show them, then the trace
 * of where it came from. The mail's own posts in the old thread keep their keys, so these
 * are keyed by the new ticket.
 */
function newTicketPosts(
  mail: SplitMail,
  ticket: { id: number; mailboxId: number },
  channelId: string,
  auditId: number,
): PostToQueue[] {
  const common = { mailboxId: ticket.mailboxId, ticketId: ticket.id, channelId };
  const text = mail.text ?? '';
  const payload = { messageRowId: mail.id };
  return [
    { ...common, kind: POST_KINDS.ticket, dedupeKey: `ticket:${ticket.id}`, payload },
    ...(ticketPreviewShowsWhole(text)
      ? []
      : [{ ...common, kind: POST_KINDS.mailBody, dedupeKey: `message:${mail.id}:ticket:${ticket.id}`, payload }]),
    ...(needsThreadFiles({ text, attachments: mail.attachments })
      ? [{ ...common, kind: POST_KINDS.files, dedupeKey: `files:${mail.id}:ticket:${ticket.id}`, payload }]
      : []),
    { ...common, kind: POST_KINDS.trace, dedupeKey: `trace:${auditId}`, payload: { auditId } },
  ];
}
