/**
 * What a change to a ticket shows in Slack, queued with the change in its transaction:
 * the ticket's message rendered again and updated in place, and a one-line trace in the
 * thread (who, what, when). Both go ahead of new mail in the channel's queue, so a click
 * is seen at once even while a backlog is being posted.
 */
import type { Db } from '../../db/client.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export const TICKET_POST_KINDS = { update: 'ticket_update', trace: 'trace' } as const;

/**
 * Queue order within a channel, higher first: what people did (their clicks, drafts,
 * reminders), then new tickets, then the contents of threads (full texts, files,
 * follow-ups). A backlog thus shows every new ticket at the channel's pace before the
 * threads fill in; inside one ticket the order stays strict (slack-poster.ts).
 */
export const PEOPLE_PRIORITY = 2;
export const NEW_TICKET_PRIORITY = 1;

export interface QueuedTicket {
  id: number;
  mailboxId: number;
  slackChannelId: string | null;
  slackTs: string | null;
}

/** Queues the in-place update of the ticket's message and the trace of audit record `auditId`. */
export async function queueTicketPosts(tx: Tx, ticket: QueuedTicket, auditId: number, { trace = true, update = true } = {}): Promise<void> {
  // A ticket not posted yet shows its current state when it is; there is nothing to update.
  if (!ticket.slackChannelId || !ticket.slackTs) return;
  const common = { mailboxId: ticket.mailboxId, ticketId: ticket.id, channelId: ticket.slackChannelId, priority: PEOPLE_PRIORITY };
  await tx.slackPost.createMany({
    data: [
      ...(update ? [{ ...common, kind: TICKET_POST_KINDS.update, dedupeKey: `update:${auditId}`, payload: JSON.stringify({ auditId }) }] : []),
      ...(trace ? [{ ...common, kind: TICKET_POST_KINDS.trace, dedupeKey: `trace:${auditId}`, payload: JSON.stringify({ auditId }) }] : []),
    ],
  });
}
