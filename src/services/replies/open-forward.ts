/**
 * Forwarding a mail of a ticket to anyone (a colleague elsewhere, a supplier), with a
 * note. A forward is a Draft of kind `forward` naming the mail (forwardsId): it is
 * reviewed, queued, sent exactly once and recorded in the thread like a reply. Its mail
 * says `Fwd: `, carries the note, a forwarded-message block and the mail's text, and the
 * mail's attachments byte for byte; it threads to nothing of the customer's (it goes to a
 * third party), and an answer to it comes back into the ticket as an internal note
 * (ingest: `forwardAnswer`).
 */
import { forwardSubject } from '../../domain/forward-mail.js';
import { accessRefusal, mergedRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { forwardedMail } from './forwarded-mail.js';
import { composeReplyModal, ownDraft, type ReplyDeps, type ReplyOpening } from './open-reply.js';

/** `mail.original`'s "Forward…": the forward modal for one mail of a ticket, after the access check. */
export async function openForward(
  deps: ReplyDeps,
  input: { actorId: string; messageRowId: number },
): Promise<ReplyOpening> {
  const { db } = deps;
  const mail = await db.message.findUnique({ where: { id: input.messageRowId }, select: { ticketId: true } });
  const ticket =
    mail?.ticketId == null
      ? null
      : await db.ticket.findUnique({ where: { id: mail.ticketId }, include: { mailbox: true } });
  const forwarded = await forwardedMail(db, input.messageRowId);
  if (!ticket || !forwarded) return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const denied = (await accessRefusal(deps, ticketChannel(ticket), input.actorId)) ?? (await mergedRefusal(db, ticket));
  if (denied) return { kind: 'refused', refusal: denied };
  const draft = await ownDraft(db, {
    ticketId: ticket.id,
    authorId: input.actorId,
    kind: 'forward',
    subject: forwardSubject(forwarded.headers.subject),
    forwardsId: forwarded.id,
  });
  return { kind: 'compose', modal: await composeReplyModal(deps, { ticket, draft, original: null, forwarded }) };
}
