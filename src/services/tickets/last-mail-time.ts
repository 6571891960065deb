/**
 * A ticket's last mail time (Ticket.lastMessageAt: lists sort by it, the ticket message of a
 * merge target shows it) once mail has left the ticket: its latest customer mail's again.
 */
import type { Tx } from '../../db/client.js';

/** Sets the ticket's last mail time to its latest incoming mail's (left as it is when it has none). */
export async function resetLastMailTime(tx: Tx, ticketId: number): Promise<void> {
  const latest = await tx.message.aggregate({ where: { ticketId, direction: 'in' }, _max: { receivedAt: true } });
  if (latest._max.receivedAt)
    await tx.ticket.update({ where: { id: ticketId }, data: { lastMessageAt: latest._max.receivedAt } });
}
