import type { KnownBlock, ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { escapeMrkdwn, truncate } from './escape.js';

export interface HelpMailbox {
  name: string;
  address: string;
  channelId: string;
}

/** `/mail help`: what Mailroom does, the commands, and which channel works which mailbox. */
export function buildHelpMessage(locale: TLocale, mailboxes: readonly HelpMailbox[]): SlackMessage {
  const first = mailboxes[0];
  // plain_text shows text as it is: no escaping there, or "&" would read "&amp;".
  const title = t(locale, 'help.title', { mailbox: first?.name ?? 'Mailroom' });
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, 150) } }];
  if (first) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: t(locale, 'help.intro', { address: escapeMrkdwn(first.address), channel: first.channelId }),
      },
    });
  }
  const commands = (
    [
      'help.cmd.help',
      'help.cmd.search',
      'help.cmd.customer',
      'help.cmd.stats',
      'help.cmd.export',
      'help.cmd.template',
      'help.cmd.new',
      'help.cmd.export_customer',
      'help.cmd.forget',
    ] as const
  )
    .map((key) => `• ${t(locale, key)}`)
    .join('\n');
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t(locale, 'help.commands')}*\n${commands}` } });
  if (mailboxes.length > 1) {
    const lines = mailboxes.map((mailbox) =>
      t(locale, 'help.mailbox.line', {
        name: escapeMrkdwn(mailbox.name),
        address: escapeMrkdwn(mailbox.address),
        channel: mailbox.channelId,
      }),
    );
    blocks.push(...sectionsOfLines(`*${t(locale, 'help.mailboxes')}*`, lines));
  }
  return { text: title, blocks };
}

/**
 * Lines under a heading, split over as many sections as Slack's 3000-character limit
 * needs, whole lines only (so an escaped `&amp;` is never cut in half).
 */
export function sectionsOfLines(heading: string, lines: readonly string[], maxChars = 3000): KnownBlock[] {
  const sections: string[] = [];
  let current = heading;
  for (const line of lines) {
    const piece = truncate(line, maxChars - 1);
    if (current.length + 1 + piece.length > maxChars) {
      sections.push(current);
      current = piece;
    } else {
      current = `${current}\n${piece}`;
    }
  }
  sections.push(current);
  return sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

/** A one-line ephemeral answer. */
export function buildNoticeMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** `/mail <word>` for a word that is no subcommand: the word is shown back, escaped and cut. */
export function buildUnknownCommandNotice(locale: TLocale, subcommand: string): SlackMessage {
  return buildNoticeMessage(t(locale, 'command.unknown', { subcommand: escapeMrkdwn(subcommand.slice(0, 50)) }));
}

/** A subcommand the domain lists before it is built: said to be coming rather than failing silently. */
export function buildNotReadyNotice(locale: TLocale, subcommand: string): SlackMessage {
  return buildNoticeMessage(t(locale, 'command.not_ready', { subcommand }));
}

/** A one-line ephemeral answer that says why nothing happened. */
export function buildInfoNotice(text: string): SlackMessage {
  return buildNoticeMessage(`:information_source: ${text}`);
}

/** A notice where there is no conversation to answer in (a click on the Home tab): a small modal. */
export function buildNoticeModal(message: SlackMessage): ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: 'Mailroom' }, blocks: message.blocks };
}
