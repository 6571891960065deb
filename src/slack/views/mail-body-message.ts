/**
 * A mail's text in the ticket's thread: the full body of a new ticket, or a follow-up
 * from the customer. Split over sections at line breaks to stay within Slack's per-section
 * and per-message limits; what does not fit is said to be cut (the stored mail is whole).
 */
import type { Button, KnownBlock } from '@slack/types';
import { ACTION_IDS } from '../ids.js';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { splitQuote } from '../../domain/split-quote.js';
import { PREVIEW_CHARS, ticketPreviewText } from '../../domain/ticket-preview.js';
import { BODY_CHARS_PER_MESSAGE } from '../../domain/mail-body.js';
import { escapeAndTruncate, escapeMrkdwn, safeCutIndex, ticketReference } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import {
  attachmentsContext,
  originalMenu,
  replyToContext,
  senderText,
  slackDate,
  type TicketMessageInput,
} from './ticket-message.js';

const SECTION_CHARS = 2_900;

/** Splits escaped text into pieces of at most `max` characters, preferring line breaks. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const lineBreak = rest.lastIndexOf('\n', max);
    const cut = lineBreak >= max / 2 ? lineBreak : safeCutIndex(rest, max);
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length) pieces.push(rest);
  return pieces;
}

/**
 * The mail's own words and signature as they are; what it quotes as a Slack block quote,
 * so the eye finds the new part first. Nothing is left out.
 */
export function displayText(text: string): string {
  const { main, signature, quoted } = splitQuote(text.trim());
  const own = escapeMrkdwn(main + signature);
  if (!quoted.trim()) return own;
  const quotedLines = escapeMrkdwn(quoted.replace(/^\n+/, ''))
    .split('\n')
    .map((line) => `> ${line}`);
  return `${own}\n${quotedLines.join('\n')}`;
}

/** The menu for the mail's original, beside its first section, when the mail is named. */
function originalAccessory(locale: TLocale, mail: Pick<FollowUpMail, 'id' | 'hasHtml'> | undefined) {
  return mail?.id !== undefined ? { accessory: originalMenu(locale, mail.id, mail.hasHtml === true) } : {};
}

function bodyBlocks(locale: TLocale, text: string, mail?: FollowUpMail): KnownBlock[] {
  const escaped = displayText(text);
  if (!escaped)
    return [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `_${t(locale, 'ticket.no_body')}_` },
        ...originalAccessory(locale, mail),
      },
    ];
  const fits = escaped.length <= BODY_CHARS_PER_MESSAGE;
  const shown = fits ? escaped : splitText(escaped, BODY_CHARS_PER_MESSAGE)[0]!;
  const blocks: KnownBlock[] = splitText(shown, SECTION_CHARS).map((piece, index) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: piece },
    ...(index === 0 ? originalAccessory(locale, mail) : {}),
  }));
  if (!fits) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'ticket.body_cut') }] });
  return blocks;
}

/** The full text of a new ticket's mail, first reply in its thread. */
export function buildMailBodyMessage(locale: TLocale, text: string): SlackMessage {
  return {
    text: escapeAndTruncate(text.trim(), 3000) || t(locale, 'ticket.no_body'),
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `*${t(locale, 'ticket.body_heading')}*` }] },
      ...bodyBlocks(locale, text),
    ],
  };
}

export interface FollowUpMail {
  sender: TicketMessageInput['sender'];
  /** A Reply-To that is not the sender's address. */
  replyTo?: string | null;
  /** From someone neither the customer nor on the ticket's mails (ingest flags it). */
  stranger?: boolean;
  /** An answer to a forward we sent to a third party: an internal note, not the customer's. */
  forwardAnswer?: boolean;
  receivedAt: Date;
  /**
   * Split out of this ticket since (mail.split): the ticket it is in now, linked to its
   * thread when known. The message then says so in place of the mail's text.
   */
  movedTo?: { number: number; link: string | null; actorId: string };
  text: string;
  attachmentNames: string[];
  /**
   * The mail's row id: a menu beside its text sends its original to whoever asks, and the
   * button beside its heading splits it out into a new ticket.
   */
  id?: number;
  /** It has an HTML part to view. */
  hasHtml?: boolean;
}

function followUpHeading(locale: TLocale, mail: FollowUpMail): string {
  return `:incoming_envelope: *${t(locale, 'ticket.follow_up', { from: senderText(mail.sender, locale) })}* · ${slackDate(mail.receivedAt)}`;
}

/** "Split into a new ticket" beside a follow-up's heading, after a confirmation. */
function splitButton(locale: TLocale, messageRowId: number): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.mailSplit,
    text: { type: 'plain_text', text: t(locale, 'split.action') },
    value: String(messageRowId),
    confirm: {
      title: { type: 'plain_text', text: t(locale, 'split.confirm_title') },
      text: { type: 'plain_text', text: t(locale, 'split.confirm_text') },
      confirm: { type: 'plain_text', text: t(locale, 'split.confirm_yes') },
      deny: { type: 'plain_text', text: t(locale, 'reply.cancel') },
    },
  };
}

/**
 * A follow-up's heading (who wrote, when), with the split button beside it when the mail is
 * named (the menu beside its text is the original's, mail.original).
 */
function followUpHeadingBlock(locale: TLocale, mail: FollowUpMail): KnownBlock {
  const text = { type: 'mrkdwn' as const, text: followUpHeading(locale, mail) };
  return mail.id === undefined || mail.movedTo
    ? { type: 'context', elements: [text] }
    : { type: 'section', text, accessory: splitButton(locale, mail.id) };
}

/**
 * A stranger's mail says so instead of where its Reply-To points: it steers no reply. An
 * answer to a forward says it is an internal note (it neither reopens nor steers anything).
 */
function followUpNotes(locale: TLocale, mail: FollowUpMail): KnownBlock[] {
  if (mail.forwardAnswer)
    return [{ type: 'context', elements: [{ type: 'mrkdwn', text: `:lock: ${t(locale, 'forward.answer_note')}` }] }];
  if (mail.stranger)
    return [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `:warning: ${t(locale, 'ticket.from_stranger')}` }] },
    ];
  return mail.replyTo ? [replyToContext(locale, mail.replyTo)] : [];
}

/** Where a split-out mail went, in place of its text (mrkdwn). */
function movedText(locale: TLocale, movedTo: NonNullable<FollowUpMail['movedTo']>): string {
  return `:twisted_rightwards_arrows: ${t(locale, 'split.moved', {
    ticket: ticketReference(movedTo.number, movedTo.link),
    actor: `<@${movedTo.actorId}>`,
  })}`;
}

/** A later mail of the same ticket (the customer's answer, a bounce of our reply). */
export function buildFollowUpMessage(locale: TLocale, mail: FollowUpMail): SlackMessage {
  const from = senderText(mail.sender, locale);
  if (mail.movedTo) {
    const moved = movedText(locale, mail.movedTo);
    return {
      text: `${t(locale, 'ticket.follow_up', { from })}: ${moved}`,
      blocks: [followUpHeadingBlock(locale, mail), { type: 'section', text: { type: 'mrkdwn', text: moved } }],
    };
  }
  const blocks: KnownBlock[] = [
    followUpHeadingBlock(locale, mail),
    ...followUpNotes(locale, mail),
    ...bodyBlocks(locale, mail.text, mail),
  ];
  if (mail.attachmentNames.length) blocks.push(attachmentsContext(locale, mail.attachmentNames));
  return { text: `${t(locale, 'ticket.follow_up', { from })}: ${escapeAndTruncate(mail.text.trim(), 2_500)}`, blocks };
}

/**
 * Several follow-ups of one ticket that were waiting together, in one message: each with
 * its heading, the customer's own words (as on a ticket message) and its attachments' names.
 * Each mail is stored whole and found with /mail search.
 */
export function buildFoldedFollowUpsMessage(locale: TLocale, mails: readonly FollowUpMail[]): SlackMessage {
  const blocks: KnownBlock[] = [];
  for (const mail of mails) {
    if (mail.movedTo) {
      blocks.push(followUpHeadingBlock(locale, mail), {
        type: 'section',
        text: { type: 'mrkdwn', text: movedText(locale, mail.movedTo) },
      });
      continue;
    }
    const words = escapeAndTruncate(ticketPreviewText(mail.text), PREVIEW_CHARS);
    blocks.push(followUpHeadingBlock(locale, mail), ...followUpNotes(locale, mail));
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: words || `_${t(locale, 'ticket.no_body')}_` },
      ...originalAccessory(locale, mail),
    });
    if (mail.attachmentNames.length) blocks.push(attachmentsContext(locale, mail.attachmentNames));
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: t(locale, 'ticket.folded', { count: mails.length }) }],
  });
  return { text: t(locale, 'ticket.folded', { count: mails.length }), blocks };
}
