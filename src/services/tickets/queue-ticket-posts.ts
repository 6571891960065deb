/**
 * What a change to a ticket shows in Slack, queued with the change in its transaction:
 * the ticket's message rendered again and updated in place, and a one-line trace in the
 * thread (who, what, when). Both go ahead of new mail in the channel's queue, so a click
 * is seen at once even while a backlog is being posted.
 */
import type { Tx } from '../../db/client.js';
import { queuePosts, ticketChangePosts, type QueuedTicket } from '../../posts/queue-post.js';

/** Queues the in-place update of the ticket's message and the trace of audit record `auditId`. */
export async function queueTicketPosts(
  tx: Tx,
  ticket: QueuedTicket,
  auditId: number,
  options: { trace?: boolean; update?: boolean } = {},
): Promise<void> {
  await queuePosts(tx, ticketChangePosts(ticket, auditId, options));
}
