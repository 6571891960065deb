/**
 * A ticket made by a person rather than by an incoming mail (a mail split out, a new
 * outbound mail): the mailbox's next number, and its customer by address.
 */
import type { Tx } from '../../db/client.js';
import { domainOf, senderFlags } from '../../domain/classify-mail.js';
import type { MailAddress } from '../../domain/parsed-mail.js';

/** The mailbox's next numbered ticket, open, in `channelId`, dated `at`. */
export async function createNumberedTicket(
  tx: Tx,
  input: { mailboxId: number; channelId: string; subject: string; customerId?: number | null; at: Date },
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
      customerId: input.customerId ?? null,
      slackChannelId: input.channelId,
      createdAt: input.at,
      lastMessageAt: input.at,
    },
    select: { id: true, number: true, mailboxId: true },
  });
}

/** The customer by address (lower-cased), created on first contact; a kept name stays. */
export async function upsertCustomerAddress(tx: Tx, customer: MailAddress): Promise<number> {
  const address = customer.address.toLowerCase();
  const { freeMail, roleAddress, unreplyable } = senderFlags(customer);
  const row = await tx.customer.upsert({
    where: { address },
    create: { address, domain: domainOf(address), name: customer.name || null, freeMail, roleAddress, unreplyable },
    update: {},
    select: { id: true },
  });
  return row.id;
}
