/**
 * A customer's history, shown to one person: who they are (company from the domain or set
 * by hand, phone, notes, flags), their tickets with status and a link to each thread, and
 * the replies sent to them; the edit modal for company, phone and notes. Pure: data in,
 * Block Kit out; everything that came from mail or people is escaped.
 */
import type { KnownBlock, ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { statusLabel } from '../../domain/ticket-fields.js';
import { t } from '../../i18n/messages.js';
import type {
  CustomerAnswer,
  CustomerEditOpening,
  CustomerHistory,
  TicketHistoryAnswer,
} from '../../services/search/customer-history.js';
import { ACTION_IDS, CALLBACK_IDS } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, mrkdwnLink, truncate } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage, sectionsOfLines } from './help-message.js';
import { buildRefusalNotice } from './ticket-notices.js';
import { slackDate } from './ticket-message.js';
import { textInput } from './text-input.js';

export type CustomerCardInput = CustomerHistory & { locale: TLocale };

const LIST_MAX = 15;

export function buildCustomerCard(input: CustomerCardInput): SlackMessage {
  const { locale } = input;
  const none = t(locale, 'customer.none');
  const who =
    input.title.kind === 'address'
      ? input.title.name
        ? `${input.title.name} <${input.title.address}>`
        : input.title.address
      : input.title.domain;
  const heading =
    input.title.kind === 'address'
      ? t(locale, 'customer.title', { who })
      : t(locale, 'customer.domain_title', { domain: who });
  const flags = (['freeMail', 'roleAddress', 'unreplyable'] as const)
    .filter((flag) => input.flags[flag])
    .map((flag) => `\`${t(locale, `flag.${flag}`)}\``);
  const company = input.company
    ? input.company.fromDomain
      ? t(locale, 'customer.company_from_domain', { company: escapeAndTruncate(input.company.text, 200) })
      : escapeAndTruncate(input.company.text, 200)
    : none;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(heading, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*${t(locale, 'customer.company')}*\n${company}` },
        {
          type: 'mrkdwn',
          text: `*${t(locale, 'customer.phone')}*\n${input.phone ? escapeAndTruncate(input.phone, 100) : none}`,
        },
        { type: 'mrkdwn', text: `*${t(locale, 'customer.flags')}*\n${flags.length ? flags.join(' ') : none}` },
      ],
    },
  ];
  if (input.notes)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${t(locale, 'customer.notes')}*\n${escapeAndTruncate(input.notes, 2500)}` },
    });
  if (input.title.kind === 'domain') {
    const addresses = input.title.addresses.slice(0, LIST_MAX).map((address) => `• ${escapeAndTruncate(address, 320)}`);
    blocks.push(
      ...sectionsOfLines(`*${t(locale, 'customer.addresses', { count: input.title.addresses.length })}*`, addresses),
    );
  }
  const ticketLines = input.tickets.slice(0, LIST_MAX).map((ticket) => {
    const title = `#${ticket.number} ${escapeAndTruncate(ticket.subject.trim() || t(locale, 'ticket.no_subject'), 120)}`;
    const link = mrkdwnLink(ticket.permalink, title);
    return `• ${link} — ${statusLabel(ticket.statuses, ticket.status, locale)} · ${slackDate(ticket.lastMessageAt)}`;
  });
  blocks.push(
    ...sectionsOfLines(
      `*${t(locale, 'customer.tickets', { count: input.ticketCount })}*`,
      ticketLines.length ? ticketLines : [none],
    ),
  );
  const replyLines = input.replies
    .slice(0, LIST_MAX)
    .map((reply) => `• #${reply.ticketNumber} ${escapeAndTruncate(reply.subject, 120)} · ${slackDate(reply.sentAt)}`);
  blocks.push(
    ...sectionsOfLines(
      `*${t(locale, 'customer.replies', { count: input.replyCount })}*`,
      replyLines.length ? replyLines : [none],
    ),
  );
  // "New mail" to a customer (one address) opens the compose modal with them in To.
  const newMail =
    input.title.kind === 'address'
      ? [
          {
            type: 'button' as const,
            action_id: ACTION_IDS.mailNew,
            text: { type: 'plain_text' as const, text: t(locale, 'compose.button') },
            value: input.title.address.slice(0, 320),
          },
        ]
      : [];
  if (input.customerId !== null || newMail.length) {
    blocks.push({
      type: 'actions',
      block_id: 'customer-actions',
      elements: [
        ...(input.customerId !== null
          ? [
              {
                type: 'button' as const,
                action_id: ACTION_IDS.customerEdit,
                text: { type: 'plain_text' as const, text: t(locale, 'customer.edit') },
                value: String(input.customerId),
              },
            ]
          : []),
        ...newMail,
      ],
    });
  }
  return { text: escapeAndTruncate(heading, 150), blocks };
}

/** No such customer, or none the person may see: the same words, so neither is given away. */
function notFoundNotice(locale: TLocale, who: string): SlackMessage {
  return buildNoticeMessage(t(locale, 'customer.not_found', { who: escapeMrkdwn(who.slice(0, 320)) }));
}

/** `/mail customer` and a ticket's History button: the card, or why there is none. */
export function buildCustomerAnswer(locale: TLocale, answer: CustomerAnswer | TicketHistoryAnswer): SlackMessage {
  switch (answer.kind) {
    case 'usage':
      return buildNoticeMessage(t(locale, 'customer.usage'));
    case 'not_found':
      return notFoundNotice(locale, answer.who);
    case 'refused':
      return buildRefusalNotice(locale, answer.refusal);
    case 'no_sender':
      return buildNoticeMessage(t(locale, 'customer.no_sender'));
    case 'history':
      return buildCustomerCard({ ...answer.history, locale });
  }
}

/** The customer's Edit button: the modal to open, or a notice when there is nothing to edit. */
export function buildCustomerEditOpening(
  locale: TLocale,
  opening: CustomerEditOpening,
): { view: ModalView } | { notice: SlackMessage } {
  return opening.kind === 'edit'
    ? { view: buildCustomerModal(locale, opening.customer) }
    : { notice: notFoundNotice(locale, opening.who) };
}

/** The customer modal's inputs: block and action id alike. */
export const CUSTOMER_FIELDS = { company: 'company', phone: 'phone', notes: 'notes' } as const;

/** What was typed in the customer modal (empty for a field left out). */
export function readCustomerFields(values: Record<string, Record<string, { value?: string | null }>> | undefined): {
  company: string;
  phone: string;
  notes: string;
} {
  const value = (field: string) => values?.[field]?.[field]?.value ?? '';
  return {
    company: value(CUSTOMER_FIELDS.company),
    phone: value(CUSTOMER_FIELDS.phone),
    notes: value(CUSTOMER_FIELDS.notes),
  };
}

/** The modal for what people add by hand; private_metadata carries the customer id only. */
export function buildCustomerModal(
  locale: TLocale,
  customer: { id: number; address: string; company: string | null; phone: string | null; notes: string | null },
): ModalView {
  const input = (
    id: string,
    label: string,
    value: string | null,
    options: { multiline?: boolean; max: number; hint?: string },
  ): KnownBlock =>
    textInput({
      field: { block: id, action: id },
      label,
      hint: options.hint,
      optional: true,
      multiline: options.multiline,
      maxLength: options.max,
      initial: value,
    });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.customerEdit,
    private_metadata: JSON.stringify({ customerId: customer.id }),
    title: { type: 'plain_text', text: truncate(t(locale, 'customer.edit_title'), 24) },
    submit: { type: 'plain_text', text: truncate(t(locale, 'customer.edit_save'), 24) },
    close: { type: 'plain_text', text: truncate(t(locale, 'customer.edit_cancel'), 24) },
    blocks: [
      { type: 'context', elements: [{ type: 'plain_text', text: truncate(customer.address, 300) }] },
      input(CUSTOMER_FIELDS.company, t(locale, 'customer.company'), customer.company, {
        max: 200,
        hint: t(locale, 'customer.edit_company_hint'),
      }),
      input(CUSTOMER_FIELDS.phone, t(locale, 'customer.phone'), customer.phone, { max: 100 }),
      input(CUSTOMER_FIELDS.notes, t(locale, 'customer.notes'), customer.notes, { multiline: true, max: 2500 }),
    ],
  };
}
