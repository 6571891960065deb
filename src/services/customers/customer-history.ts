/**
 * A customer's history for `/mail customer <address|domain>` and the History button on a
 * ticket: the customer (or every customer of a domain), their tickets and the replies
 * sent to them — only tickets of channels the person is a member of, like everything
 * else. Company, phone and notes are edited in a modal; the company otherwise comes from
 * the domain (another customer of the domain who has one set by hand, else the domain
 * itself unless it is free mail).
 */
import type { ModalView } from '@slack/types';
import type { Customer } from '../../db/client.js';
import { typedText } from '../../domain/search-query.js';
import { t } from '../../i18n/messages.js';
import { buildCustomerCard, buildCustomerModal } from '../../slack/views/customer-card.js';
import { escapeMrkdwn } from '../../slack/views/escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from '../../slack/views/help-message.js';
import { buildRefusalNotice } from '../../slack/views/ticket-notices.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from '../search/answer-search.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import { ticketStatusesOf } from '../tickets/ticket-statuses.js';

const SHOWN = 15;
const DOMAIN_CUSTOMERS_MAX = 200;

/** Tickets the user may see (see ticketScopeWhere). */
type TicketScope = ReturnType<typeof ticketScopeWhere>;

async function companyOf(deps: SearchDeps, customers: Customer[], visibleTickets: TicketScope): Promise<{ text: string; fromDomain: boolean } | null> {
  const own = customers.find((customer) => customer.company);
  if (own?.company && customers.length === 1) return { text: own.company, fromDomain: false };
  const domain = customers[0]!.domain;
  // Another customer of the domain counts only if the user may see one of its tickets:
  // what was typed about a customer of another team's mailbox stays with that team.
  const sibling = own ?? (await deps.db.customer.findFirst({ where: { domain, company: { not: null }, tickets: { some: visibleTickets } }, orderBy: { updatedAt: 'desc' } }));
  if (sibling?.company) return { text: sibling.company, fromDomain: true };
  return customers.some((customer) => customer.freeMail) || !domain ? null : { text: domain, fromDomain: true };
}

/** The card for a set of customers (one address, or a domain), within what the user may see. */
async function card(deps: SearchDeps, userId: string, candidates: Customer[], title: 'address' | 'domain'): Promise<SlackMessage | null> {
  const locale = await deps.userLocales.localeOf(userId);
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
    deps.db.message.findMany({ where: replyWhere, orderBy: { id: 'desc' }, take: SHOWN, select: { subject: true, sentAt: true, receivedAt: true, ticket: { select: { number: true } } } }),
    companyOf(deps, customers, visibleTickets),
  ]);
  const statuses = await ticketStatusesOf(deps.db, tickets.map((ticket) => ticket.mailboxId));
  const one = customers.length === 1 && title === 'address' ? customers[0]! : null;
  return buildCustomerCard({
    locale,
    title: one ? { kind: 'address', address: one.address, name: one.name } : { kind: 'domain', domain: customers[0]!.domain, addresses: customers.map((customer) => customer.address) },
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
        permalink: ticket.slackChannelId && ticket.slackTs ? await deps.permalink(ticket.slackChannelId, ticket.slackTs).catch(() => null) : null,
        statuses: statuses.get(ticket.mailboxId) ?? [],
      })),
    ),
    replyCount,
    replies: replies.map((reply) => ({ ticketNumber: reply.ticket?.number ?? 0, subject: reply.subject ?? '', sentAt: reply.sentAt ?? reply.receivedAt })),
  });
}

/** `/mail customer <address|domain>`. */
export async function answerCustomer(deps: SearchDeps, input: { userId: string; text: string }): Promise<SlackMessage> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const key = typedText(input.text).trim().toLowerCase();
  if (!key || /\s/.test(key)) return buildNoticeMessage(t(locale, 'customer.usage'));
  const byAddress = key.includes('@') && !key.startsWith('@');
  const customers = byAddress
    ? await deps.db.customer.findMany({ where: { address: key } })
    : await deps.db.customer.findMany({ where: { domain: key.replace(/^@/, '') }, orderBy: { address: 'asc' }, take: DOMAIN_CUSTOMERS_MAX });
  const answer = customers.length ? await card(deps, input.userId, customers, byAddress ? 'address' : 'domain') : null;
  return answer ?? buildNoticeMessage(t(locale, 'customer.not_found', { who: escapeMrkdwn(key.slice(0, 320)) }));
}

/** The History button on a ticket: the ticket's customer, if the user may see the ticket. */
export async function answerTicketHistory(deps: SearchDeps, input: { userId: string; ticketId: number }): Promise<SlackMessage> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const ticket = await deps.db.ticket.findUnique({ where: { id: input.ticketId }, include: { mailbox: true, customer: true } });
  if (!ticket) return buildRefusalNotice(locale, { kind: 'ticket_gone' });
  const refusal = await accessRefusal(deps, ticketChannel(ticket), input.userId);
  if (refusal) return buildRefusalNotice(locale, refusal);
  if (!ticket.customer) return buildNoticeMessage(t(locale, 'customer.no_sender'));
  return (await card(deps, input.userId, [ticket.customer], 'address')) ?? buildNoticeMessage(t(locale, 'customer.no_sender'));
}

/**
 * Whether the user may see and edit the customer: they are a member of a channel where
 * the customer has a ticket.
 */
async function mayEdit(deps: SearchDeps, userId: string, customerId: number): Promise<boolean> {
  const scope = await searchScope(deps, userId);
  return (await deps.db.ticket.count({ where: { customerId, ...ticketScopeWhere(scope) } })) > 0;
}

/** The edit modal, or a notice when the user may not edit this customer. */
export async function openCustomerEdit(deps: SearchDeps, input: { userId: string; customerId: number }): Promise<{ view: ModalView } | { notice: SlackMessage }> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const customer = await deps.db.customer.findUnique({ where: { id: input.customerId } });
  if (!customer || !(await mayEdit(deps, input.userId, customer.id))) return { notice: buildNoticeMessage(t(locale, 'customer.not_found', { who: String(input.customerId) })) };
  return { view: buildCustomerModal(locale, customer) };
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
    deps.db.auditLog.create({ data: { actorId: input.userId, action: 'customer.edited', detail: JSON.stringify({ customerId: customer.id, ...data }) } }),
  ]);
  deps.logger.info({ code: 'customer.edited', customerId: customer.id, actorId: input.userId }, 'customer edited');
  return true;
}
