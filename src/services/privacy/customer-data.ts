/**
 * What Mailroom holds of one customer, found by their address: their Customer record, their
 * tickets (the cases they opened), and their mails — every mail of those tickets (the
 * conversation with them, our replies included), the mails they sent into other tickets
 * (From or Reply-To), and our mails to them (To or Cc). Forgetting removes exactly this;
 * exporting gives exactly this.
 */
import type { Customer, Db, Tx } from '../../db/client.js';
import { mailsNamingAddress } from '../../db/queries/customer-mail.js';
import { listsAddress } from '../../domain/customer-address.js';

export interface CustomerData {
  customer: Customer | null;
  /** Ids of the tickets whose customer they are. */
  ticketIds: number[];
  /** Ids of their mails (Message rows), ascending. */
  messageIds: number[];
}

export async function findCustomerData(db: Db | Tx, address: string): Promise<CustomerData> {
  const customer = await db.customer.findUnique({ where: { address } });
  const tickets = customer
    ? await db.ticket.findMany({ where: { customerId: customer.id }, select: { id: true }, orderBy: { id: 'asc' } })
    : [];
  const ticketIds = tickets.map((ticket) => ticket.id);
  const ofTickets = ticketIds.length
    ? await db.message.findMany({ where: { ticketId: { in: ticketIds } }, select: { id: true } })
    : [];
  const named = (await mailsNamingAddress(db, address)).filter(
    (mail) =>
      mail.direction === 'in' || listsAddress(mail.toAddresses, address) || listsAddress(mail.ccAddresses, address),
  );
  const messageIds = [...new Set([...ofTickets, ...named].map((mail) => mail.id))].sort((a, b) => a - b);
  return { customer, ticketIds, messageIds };
}

/** Whether anything is held of them. */
export function holdsAnything(data: CustomerData): boolean {
  return data.customer !== null || data.messageIds.length > 0;
}
