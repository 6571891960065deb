/**
 * The ticket's top-level message in the mailbox channel: what the mail is, who sent it,
 * where it stands, and the controls of docs/contract.md. Pure: data in, Block Kit out.
 * Everything that came from mail is escaped; each control's value is the ticket id only.
 */
import type { KnownBlock, ContextBlock, ActionsBlock, Button, Overflow, PlainTextOption } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import type { MailFlags } from '../../domain/classify-mail.js';
import type { OriginalFormat } from '../../domain/original-mail.js';
import { statusLabel, URGENCIES, type StatusDefinition, type Urgency } from '../../domain/ticket-fields.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import { SNOOZE_CHOICES } from '../../domain/ticket-change.js';
import { ACTION_IDS } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, ticketReference, truncate } from './escape.js';
import { PREVIEW_CHARS } from '../../domain/ticket-preview.js';
import { cleanDisplayName, nameShowsOtherAddress } from '../../domain/display-name.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';

const SHOWN_ATTACHMENTS = 10;

export interface TicketMessageInput {
  locale: TLocale;
  ticket: {
    id: number;
    number: number;
    subject: string;
    status: string;
    urgency: string;
    assigneeId: string | null;
    claimedAt?: Date | null;
    junk?: boolean;
  };
  sender: { name: string; address: string } | null;
  /** A new mail of ours (`/mail new`): `sender` is whom it goes to, and the ticket says so. */
  outbound?: boolean;
  /** The mail's Reply-To when it is not the sender (differingReplyTo): a reply goes there. */
  replyTo?: string | null;
  flags: Partial<MailFlags>;
  receivedAt: Date;
  preview: string;
  attachmentNames: string[];
  unreadable: boolean;
  statuses: readonly StatusDefinition[];
  /** The ticket's tags (domain/tags.ts), shown beside its status. */
  tags?: readonly string[];
  /** The shown mail's row id: its original can be asked for (mail.original). */
  mailId?: number;
  /** The mail has an HTML part, so it can be viewed as such. */
  hasHtml?: boolean;
  /** Its merges (merge-tickets.ts): merged into another (a pointer now), or others merged in. */
  merges?: {
    into: { number: number; link: string | null } | null;
    mergedIn: { numbers: number[]; mails: number; lastMailAt: Date } | null;
  };
}

const FLAG_ORDER: (keyof MailFlags)[] = [
  'oversize',
  'bounce',
  'autoReply',
  'list',
  'fromSelf',
  'anonymous',
  'fromGuessed',
  'unreplyable',
  'freeMail',
  'roleAddress',
];

/** Slack's date token, shown in each reader's own time zone, with a fallback. */
export function slackDate(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

/**
 * The sender as the team sees it: the real address first, the name (cleaned of anything
 * that could pose as something else, see domain/display-name.ts) after it, and a warning
 * when the name carries another address.
 */
export function senderText(sender: TicketMessageInput['sender'], locale: TLocale): string {
  if (!sender) return t(locale, 'flag.anonymous');
  const address = escapeAndTruncate(sender.address, 320);
  const name = cleanDisplayName(sender.name);
  if (!name) return address;
  const warning = nameShowsOtherAddress(sender.name, sender.address)
    ? ` :warning: ${t(locale, 'sender.name_has_address')}`
    : '';
  return `${address} (${escapeAndTruncate(name, 200)})${warning}`;
}

/** A button on the ticket message: its action, its label, the ticket id it carries. */
function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value,
    ...(style ? { style } : {}),
  };
}

function option(text: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(text, 75) }, value };
}

export function urgencyLabel(locale: TLocale, urgency: string): string {
  return (URGENCIES as readonly string[]).includes(urgency)
    ? t(locale, `urgency.${urgency as Urgency}` as MessageKey)
    : urgency;
}

/** Longest list of tags shown (a field takes 2,000 characters, a context element 3,000). */
const TAGS_CHARS = 1_800;

/** A tag in a list: its name, and `+` or `−` before it when the list says what changed. */
export interface ListedTag {
  name: string;
  mark?: '+' | '−';
}

/** Tags as code spans, escaped (they are typed by people and taken from rules), as many as fit, then how many more. */
export function tagsText(locale: TLocale, tags: readonly ListedTag[]): string {
  const shown: string[] = [];
  let length = 0;
  for (const tag of tags) {
    const code = `${tag.mark ?? ''}\`${escapeAndTruncate(tag.name, 200)}\``;
    if (length + code.length + 1 > TAGS_CHARS) break;
    shown.push(code);
    length += code.length + 1;
  }
  const more = tags.length - shown.length;
  return more > 0 ? `${shown.join(' ')} ${t(locale, 'ticket.more_tags', { count: more })}` : shown.join(' ');
}

/**
 * The menu beside a mail's text that sends its original to the asker alone: as HTML
 * (sanitised; only when the mail has HTML) or its source as an .eml file.
 */
export function originalMenu(locale: TLocale, mailId: number, hasHtml: boolean): Overflow {
  const formats: OriginalFormat[] = hasHtml ? ['html', 'eml'] : ['eml'];
  return {
    type: 'overflow',
    action_id: ACTION_IDS.mailOriginal,
    options: [
      ...formats.map((format) => option(t(locale, `original.menu_${format}`), `${mailId}:${format}`)),
      // Forwarding is about a mail too: offered here, beside the mail it sends on.
      option(t(locale, 'forward.menu'), `${mailId}:forward`),
    ],
  };
}

function controls(input: TicketMessageInput): ActionsBlock {
  const { locale, ticket, statuses } = input;
  const value = String(ticket.id);
  const claim: Button = ticket.assigneeId
    ? button(ACTION_IDS.ticketUnclaim, t(locale, 'ticket.unclaim'), value)
    : button(ACTION_IDS.ticketClaim, t(locale, 'ticket.claim'), value, 'primary');
  const statusOptions = statuses
    .slice(0, 100)
    .map((status) => option(statusLabel(statuses, status.key, locale), `${value}:${status.key}`));
  const urgencyOptions = URGENCIES.map((urgency) => option(urgencyLabel(locale, urgency), `${value}:${urgency}`));
  return {
    type: 'actions',
    block_id: `ticket-${ticket.id}-controls`,
    elements: [
      claim,
      {
        type: 'users_select',
        action_id: ACTION_IDS.ticketAssign,
        placeholder: { type: 'plain_text', text: t(locale, 'ticket.assign_placeholder') },
        ...(ticket.assigneeId ? { initial_user: ticket.assigneeId } : {}),
      },
      {
        type: 'static_select',
        action_id: ACTION_IDS.ticketStatus,
        options: statusOptions,
        initial_option:
          statusOptions.find((candidate) => candidate.value === `${value}:${ticket.status}`) ?? statusOptions[0],
      },
      {
        type: 'static_select',
        action_id: ACTION_IDS.ticketUrgency,
        options: urgencyOptions,
        initial_option:
          urgencyOptions.find((candidate) => candidate.value === `${value}:${ticket.urgency}`) ?? urgencyOptions[0],
      },
      button(ACTION_IDS.ticketReply, t(locale, 'ticket.reply'), value),
      button(ACTION_IDS.ticketHistory, t(locale, 'ticket.history'), value),
      button(ACTION_IDS.ticketTags, t(locale, 'ticket.tags_button'), value),
      {
        type: 'overflow',
        action_id: ACTION_IDS.ticketSnooze,
        options: SNOOZE_CHOICES.map((choice) =>
          option(t(locale, `ticket.snooze_${choice}` as MessageKey), `${value}:${choice}`),
        ),
      },
      button(ACTION_IDS.ticketMerge, t(locale, 'ticket.merge'), value),
      {
        type: 'button',
        action_id: ACTION_IDS.ticketJunk,
        text: { type: 'plain_text', text: t(locale, 'ticket.junk') },
        value,
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: t(locale, 'ticket.junk_confirm_title') },
          text: { type: 'plain_text', text: t(locale, 'ticket.junk_confirm_text') },
          confirm: { type: 'plain_text', text: t(locale, 'ticket.junk_confirm_yes') },
          deny: { type: 'plain_text', text: t(locale, 'ticket.junk_confirm_no') },
        },
      },
    ],
  };
}

/** The line saying a reply to the mail goes elsewhere than the mail came from. */
export function replyToContext(locale: TLocale, replyTo: string): ContextBlock {
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `:leftwards_arrow_with_hook: ${t(locale, 'ticket.reply_to', { address: escapeAndTruncate(replyTo, 320) })}`,
      },
    ],
  };
}

/** A mail's attachment names as one context line (the first ten, then how many more). */
export function attachmentsContext(locale: TLocale, names: readonly string[]): ContextBlock {
  const shown = names.slice(0, SHOWN_ATTACHMENTS).map((name) => `:paperclip: ${escapeAndTruncate(name, 120)}`);
  const more = names.length - shown.length;
  if (more > 0) shown.push(t(locale, 'ticket.more_attachments', { count: more }));
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(shown.join('   '), 3000) }] };
}

function assigneeText(locale: TLocale, ticket: TicketMessageInput['ticket']): string {
  if (!ticket.assigneeId) return t(locale, 'ticket.unassigned');
  return ticket.claimedAt
    ? `<@${ticket.assigneeId}> ${t(locale, 'ticket.since', { date: slackDate(ticket.claimedAt) })}`
    : `<@${ticket.assigneeId}>`;
}

/** A junk ticket folds down to its title and the way back. */
function junkMessage(input: TicketMessageInput, title: string): KnownBlock[] {
  const { locale, ticket } = input;
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `~${escapeAndTruncate(title, 150)}~` } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(`:wastebasket: ${t(locale, 'ticket.junked')}  ${senderText(input.sender, locale)}`, 3000),
        },
      ],
    },
    {
      type: 'actions',
      block_id: `ticket-${ticket.id}-controls`,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.ticketJunk,
          text: { type: 'plain_text', text: t(locale, 'ticket.unjunk') },
          value: String(ticket.id),
        },
      ],
    },
  ];
}

/** The line a merged ticket's message ends with instead of its controls. */
function mergedIntoContext(locale: TLocale, into: { number: number; link: string | null }): ContextBlock {
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `:twisted_rightwards_arrows: ${t(locale, 'ticket.merged_into', { target: ticketReference(into.number, into.link) })}`,
      },
    ],
  };
}

/** On a ticket others were merged into: which, how many mails it holds now, and the last one's time. */
function mergedInContext(
  locale: TLocale,
  mergedIn: { numbers: number[]; mails: number; lastMailAt: Date },
): ContextBlock {
  const numbers = mergedIn.numbers.map((number) => `#${number}`).join(', ');
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `:inbox_tray: ${t(locale, 'ticket.merged_in', { numbers, mails: mergedIn.mails, date: slackDate(mergedIn.lastMailAt) })}`,
          3000,
        ),
      },
    ],
  };
}

export function buildTicketMessage(input: TicketMessageInput): SlackMessage {
  const { locale, ticket } = input;
  const subject = input.ticket.subject.trim() || t(locale, 'ticket.no_subject');
  // The notification text: plain enough for a phone's lock screen, escaped like the rest.
  const text = `#${ticket.number} ${escapeAndTruncate(subject, 150)} — ${input.sender ? escapeAndTruncate(cleanDisplayName(input.sender.name) || input.sender.address, 100) : ''}`;
  if (ticket.junk) return { text, blocks: junkMessage(input, `#${ticket.number} ${subject}`) };
  const flags = FLAG_ORDER.filter((flag) => input.flags[flag]).map(
    (flag) => `\`${t(locale, `flag.${flag}` as MessageKey)}\``,
  );
  const context: ContextBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `*${t(locale, input.outbound ? 'compose.ticket_to' : 'ticket.from')}:* ${senderText(input.sender, locale)}${flags.length ? `  ${flags.join(' ')}` : ''}`,
          3000,
        ),
      },
      {
        type: 'mrkdwn',
        text: `*${t(locale, input.outbound ? 'compose.ticket_written' : 'ticket.received')}:* ${slackDate(input.receivedAt)}`,
      },
    ],
  };
  const preview = input.preview.trim()
    ? escapeAndTruncate(input.preview.trim(), PREVIEW_CHARS)
    : `_${t(locale, 'ticket.no_body')}_`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`#${ticket.number} ${subject}`, 150) } },
    context,
    ...(input.replyTo ? [replyToContext(locale, input.replyTo)] : []),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: preview },
      ...(input.mailId !== undefined ? { accessory: originalMenu(locale, input.mailId, input.hasHtml === true) } : {}),
    },
  ];
  if (input.unreadable)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:warning: ${t(locale, 'ticket.unreadable')}` }],
    });
  if (input.attachmentNames.length) blocks.push(attachmentsContext(locale, input.attachmentNames));
  // A merged ticket is a pointer: no status to set, no controls to click.
  const into = input.merges?.into;
  if (into) return { text, blocks: [...blocks, mergedIntoContext(locale, into)] };
  if (input.merges?.mergedIn) blocks.push(mergedInContext(locale, input.merges.mergedIn));
  blocks.push({
    type: 'section',
    fields: [
      {
        type: 'mrkdwn',
        text: `*${t(locale, 'ticket.status')}*\n${statusLabel(input.statuses, ticket.status, locale)}`,
      },
      { type: 'mrkdwn', text: `*${t(locale, 'ticket.urgency')}*\n${urgencyLabel(locale, ticket.urgency)}` },
      { type: 'mrkdwn', text: `*${t(locale, 'ticket.assignee')}*\n${assigneeText(locale, ticket)}` },
      ...(input.tags?.length
        ? [
            {
              type: 'mrkdwn' as const,
              text: `*${t(locale, 'ticket.tags')}*\n${tagsText(
                locale,
                input.tags.map((name) => ({ name })),
              )}`,
            },
          ]
        : []),
    ],
  });
  blocks.push(controls(input));
  return { text, blocks };
}

/**
 * The ticket message when Slack refused the full one (a block it would not take): plain
 * text and the controls, so the ticket can still be claimed and answered and its thread
 * still has a parent.
 */
export function buildPlainTicketMessage(input: TicketMessageInput, slackError: string): SlackMessage {
  const { locale, ticket } = input;
  const subject = input.ticket.subject.trim() || t(locale, 'ticket.no_subject');
  const sender = input.sender ? input.sender.address || input.sender.name : '';
  const text = truncate(`#${ticket.number} ${subject}${sender ? ` — ${sender}` : ''}`, 2900);
  return {
    text: escapeMrkdwn(truncate(text, 150)),
    blocks: [
      { type: 'section', text: { type: 'plain_text', text, emoji: false } },
      {
        type: 'context',
        elements: [
          {
            type: 'plain_text',
            text: truncate(t(locale, 'ticket.plain_notice', { code: slackError }), 2000),
            emoji: false,
          },
        ],
      },
      input.merges?.into ? mergedIntoContext(locale, input.merges.into) : controls(input),
    ],
  };
}
