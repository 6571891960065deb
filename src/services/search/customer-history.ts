/**
 * A customer's history for `/mail customer <address|domain>` and the History button on a
 * ticket: the customer (or every customer of a domain), their tickets and the replies
 * sent to them — only tickets of channels the person is a member of, like everything
 * else. Company, phone and notes are edited in a modal; the company otherwise comes from
 * the domain (another customer of the domain who has one set by hand, else the domain
 * itself unless it is free mail).
 */
import type { Customer } from '../../db/client.js';
import type { Refusal } from '../../domain/refusal.js';
import { typedText } from '../../domain/search-query.js';
import type { StatusDefinition } from '../../domain/ticket-fields.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from './answer-search.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { ticketStatusesOf } from '../tickets/ticket-statuses.js';

const SHOWN = 15;
const DOMAIN_CUSTOMERS_MAX = 200;

/** What a customer's card shows: one customer, or every customer of a domain. */
export interface CustomerHistory {
  /** The address, or the domain when several customers share it. */
  title:
    | { kind: 'address'; address: string; name: string | null }
    | { kind: 'domain'; domain: string; addresses: string[] };
  /** Set when one customer is shown: the edit button carries it. */
  customerId: number | null;
  company: { text: string; fromDomain: boolean } | null;
  phone: string | null;
  notes: string | null;
  flags: { freeMail: boolean; roleAddress: boolean; unreplyable: boolean };
  ticketCount: number;
  tickets: {
    number: number;
    subject: string;
    status: string;
    lastMessageAt: Date;
    permalink: string | null;
    statuses: readonly StatusDefinition[];
  }[];
  replyCount: number;
  replies: { ticketNumber: number; subject: string; sentAt: Date }[];
}

/** `who`: what was asked for, as typed (an address or domain) or a customer id. */
type NotFound = { kind: 'not_found'; who: string };

export type CustomerAnswer = { kind: 'usage' } | NotFound | { kind: 'history'; history: CustomerHistory };

export type TicketHistoryAnswer =
  | { kind: 'refused'; refusal: Refusal }
  /** The ticket has no customer (its mail had no readable sender), or none the user may see. */
  | { kind: 'no_sender' }
  | { kind: 'history'; history: CustomerHistory };

/** What the edit modal starts from. */
export type CustomerEditOpening =
  | NotFound
  | { kind: 'edit'; customer: Pick<Customer, 'id' | 'address' | 'company' | 'phone' | 'notes'> };

/** Tickets the user may see (see ticketScopeWhere). */
type TicketScope = ReturnType<typeof ticketScopeWhere>;

async function companyOf(
  deps: SearchDeps,
  customers: Customer[],
  visibleTickets: TicketScope,
): Promise<{ text: string; fromDomain: boolean } | null> {
  const own = customers.find((customer) => customer.company);
  if (own?.company && customers.length === 1) return { text: own.company, fromDomain: false };
  const domain = customers[0]!.domain;
  // Another customer of the domain counts only if the user may see one of its tickets:
  // what was typed about a customer of another team's mailbox stays with that team.
  const sibling =
    own ??
    (await deps.db.customer.findFirst({
      where: { domain, company: { not: null }, tickets: { some: visibleTickets } },
      orderBy: { updatedAt: 'desc' },
    }));
  if (sibling?.company) return { text: sibling.company, fromDomain: true };
  return customers.some((customer) => customer.freeMail) || !domain ? null : { text: domain, fromDomain: true };
}

/** The history of a set of customers (one address, or a domain), within what the user may see. */
async function historyOf(
  deps: SearchDeps,
  userId: string,
  candidates: Customer[],
  title: 'address' | 'domain',
): Promise<CustomerHistory | null> {
  const visibleTickets = ticketScopeWhere(await searchScope(deps, userId));
  // Only customers with a ticket the user may see: a domain's other addresses, phones and
  // companies may belong to another team's mailbox.
  const withTickets = await deps.db.ticket.findMany({
    where: { customerId: { in: candidates.map((customer) => customer.id) }, ...visibleTickets },
    distinct: ['customerId'],
    select: { customerId: true },
  });
  const visibleIds = new Set(withTickets.map((ticket) => ticket.customerId));
  const customers = candidates.filter((customer) => visibleIds.has(customer.id));
  if (customers.length === 0) return null;
  const where = { customerId: { in: customers.map((customer) => customer.id) }, ...visibleTickets };
  const [ticketCount, tickets] = await Promise.all([
    deps.db.ticket.count({ where }),
    deps.db.ticket.findMany({ where, orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }], take: SHOWN }),
  ]);
  const replyWhere = { direction: 'out', ticket: where };
  const [replyCount, replies, company] = await Promise.all([
    deps.db.message.count({ where: replyWhere }),
    deps.db.message.findMany({
      where: replyWhere,
      orderBy: { id: 'desc' },
      take: SHOWN,
      select: { subject: true, sentAt: true, receivedAt: true, ticket: { select: { number: true } } },
    }),
    companyOf(deps, customers, visibleTickets),
  ]);
  const statuses = await ticketStatusesOf(
    deps.db,
    tickets.map((ticket) => ticket.mailboxId),
  );
  const one = customers.length === 1 && title === 'address' ? customers[0]! : null;
  return {
    title: one
      ? { kind: 'address', address: one.address, name: one.name }
      : { kind: 'domain', domain: customers[0]!.domain, addresses: customers.map((customer) => customer.address) },
    customerId: one?.id ?? null,
    company,
    phone: one ? one.phone : (customers.find((customer) => customer.phone)?.phone ?? null),
    notes: one ? one.notes : null,
    flags: {
      freeMail: customers.every((customer) => customer.freeMail),
      roleAddress: one?.roleAddress ?? false,
      unreplyable: one?.unreplyable ?? false,
    },
    ticketCount,
    tickets: await Promise.all(
      tickets.map(async (ticket) => ({
        ...ticket,
        permalink:
          ticket.slackChannelId && ticket.slackTs
            ? await deps.permalink(ticket.slackChannelId, ticket.slackTs).catch(() => null)
            : null,
        statuses: statuses.get(ticket.mailboxId) ?? [],
      })),
    ),
    replyCount,
    replies: replies.map((reply) => ({
      ticketNumber: reply.ticket?.number ?? 0,
      subject: reply.subject ?? '',
      sentAt: reply.sentAt ?? reply.receivedAt,
    })),
  };
}

/** `/mail customer <address|domain>`. */
export async function answerCustomer(
  deps: SearchDeps,
  input: { userId: string; text: string },
): Promise<CustomerAnswer> {
  const key = typedText(input.text).trim().toLowerCase();
  if (!key || /\s/.test(key)) return { kind: 'usage' };
  const byAddress = key.includes('@') && !key.startsWith('@');
  const customers = byAddress
    ? await deps.db.customer.findMany({ where: { address: key } })
    : await deps.db.customer.findMany({
        where: { domain: key.replace(/^@/, '') },
        orderBy: { address: 'asc' },
        take: DOMAIN_CUSTOMERS_MAX,
      });
  const history = customers.length
    ? await historyOf(deps, input.userId, customers, byAddress ? 'address' : 'domain')
    : null;
  return history ? { kind: 'history', history } : { kind: 'not_found', who: key };
}

/** The History button on a ticket: the ticket's customer, if the user may see the ticket. */
export async function answerTicketHistory(
  deps: SearchDeps,
  input: { userId: string; ticketId: number },
): Promise<TicketHistoryAnswer> {
  const ticket = await deps.db.ticket.findUnique({
    where: { id: input.ticketId },
    include: { mailbox: true, customer: true },
  });
  if (!ticket) return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const refusal = await accessRefusal(deps, ticketChannel(ticket), input.userId);
  if (refusal) return { kind: 'refused', refusal };
  const history = ticket.customer ? await historyOf(deps, input.userId, [ticket.customer], 'address') : null;
  return history ? { kind: 'history', history } : { kind: 'no_sender' };
}

/**
 * Whether the user may see and edit the customer: they are a member of a channel where
 * the customer has a ticket.
 */
async function mayEdit(deps: SearchDeps, userId: string, customerId: number): Promise<boolean> {
  const scope = await searchScope(deps, userId);
  return (await deps.db.ticket.count({ where: { customerId, ...ticketScopeWhere(scope) } })) > 0;
}

/** The customer to edit, or not found when the user may not edit them (nor know they exist). */
export async function openCustomerEdit(
  deps: SearchDeps,
  input: { userId: string; customerId: number },
): Promise<CustomerEditOpening> {
  const customer = await deps.db.customer.findUnique({ where: { id: input.customerId } });
  if (!customer || !(await mayEdit(deps, input.userId, customer.id)))
    return { kind: 'not_found', who: String(input.customerId) };
  return { kind: 'edit', customer };
}

/** Saves the modal; empty fields clear (the company then comes from the domain again). */
export async function saveCustomerEdit(
  deps: SearchDeps,
  input: { userId: string; customerId: number; company: string; phone: string; notes: string },
): Promise<boolean> {
  const customer = await deps.db.customer.findUnique({ where: { id: input.customerId } });
  if (!customer || !(await mayEdit(deps, input.userId, customer.id))) return false;
  const clean = (value: string, max: number) => value.trim().slice(0, max) || null;
  const data = { company: clean(input.company, 200), phone: clean(input.phone, 100), notes: clean(input.notes, 2500) };
  await deps.db.$transaction([
    deps.db.customer.update({ where: { id: customer.id }, data }),
    deps.db.auditLog.create({
      data: {
        actorId: input.userId,
        action: 'customer.edited',
        detail: JSON.stringify({ customerId: customer.id, ...data }),
      },
    }),
  ]);
  deps.logger.info({ code: 'customer.edited', customerId: customer.id, actorId: input.userId }, 'customer edited');
  return true;
}
