import type { KnownBlock } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { escapeMrkdwn } from './escape.js';

export interface HelpMailbox {
  name: string;
  address: string;
  channelId: string;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** `/mail help`: what Mailroom does, the commands, and which channel works which mailbox. */
export function buildHelpMessage(locale: TLocale, mailboxes: readonly HelpMailbox[]): SlackMessage {
  const first = mailboxes[0];
  const title = t(locale, 'help.title', { mailbox: escapeMrkdwn(first?.name ?? 'Mailroom') });
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
  ];
  if (first) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: t(locale, 'help.intro', { address: escapeMrkdwn(first.address), channel: first.channelId }) },
    });
  }
  const commands = (['help.cmd.help', 'help.cmd.search', 'help.cmd.customer', 'help.cmd.stats', 'help.cmd.template'] as const)
    .map((key) => `• ${t(locale, key)}`)
    .join('\n');
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t(locale, 'help.commands')}*\n${commands}` } });
  if (mailboxes.length > 1) {
    const lines = mailboxes.map((mailbox) =>
      t(locale, 'help.mailbox.line', { name: escapeMrkdwn(mailbox.name), address: escapeMrkdwn(mailbox.address), channel: mailbox.channelId }),
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t(locale, 'help.mailboxes')}*\n${lines.join('\n')}`.slice(0, 3000) } });
  }
  return { text: title, blocks };
}

/** A one-line ephemeral answer. */
export function buildNoticeMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
