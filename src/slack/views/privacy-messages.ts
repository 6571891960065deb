/**
 * What the privacy commands say: the note that takes the place of a message that showed a
 * forgotten customer's data (in both languages, the mailbox's first: the channel may hold
 * people of either), and the answers to `/mail forget` and `/mail export-customer`, to
 * the admin alone.
 */
import type { TLocale } from '../../config/config-schema.js';
import { LOCALES } from '../../domain/locale.js';
import { t } from '../../i18n/messages.js';
import type { ExportAnswer } from '../../services/privacy/export-customer.js';
import type { ForgetAnswer } from '../../services/privacy/forget-customer.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { escapeAndTruncate } from './escape.js';
import { buildInfoNotice, buildNoticeMessage } from './help-message.js';

/** The redaction note (chat.update), mailbox language first. */
export function buildRedactedMessage(locale: TLocale): SlackMessage {
  const text = [locale, ...LOCALES.filter((each) => each !== locale)]
    .map((each) => t(each, 'privacy.redacted'))
    .join('\n');
  return { text, blocks: [{ type: 'context', elements: [{ type: 'plain_text', text, emoji: true }] }] };
}

export function buildNotAdminNotice(locale: TLocale, subcommand: string): SlackMessage {
  return buildInfoNotice(t(locale, 'privacy.not_admin', { subcommand }));
}

function shownAddress(address: string): string {
  return `\`${escapeAndTruncate(address, 200)}\``;
}

export function buildForgetAnswer(locale: TLocale, address: string, answer: ForgetAnswer): SlackMessage {
  switch (answer.kind) {
    case 'bad_address':
      return buildInfoNotice(t(locale, 'privacy.usage', { subcommand: 'forget' }));
    case 'nothing':
      return buildInfoNotice(
        answer.before
          ? t(locale, 'privacy.forgotten_before', {
              address: shownAddress(address),
              date: answer.before.toISOString().slice(0, 10),
            })
          : t(locale, 'privacy.nothing', { address: shownAddress(address) }),
      );
    case 'forgotten':
      return buildNoticeMessage(
        `:wastebasket: ${t(locale, 'privacy.forgotten', { address: shownAddress(address), ...answer.counts })}`,
      );
  }
}

export function buildExportComment(locale: TLocale, address: string): string {
  return t(locale, 'privacy.export_comment', { address: shownAddress(address) });
}

export function buildCustomerExportAnswer(locale: TLocale, address: string, answer: ExportAnswer): SlackMessage {
  switch (answer.kind) {
    case 'bad_address':
      return buildInfoNotice(t(locale, 'privacy.usage', { subcommand: 'export-customer' }));
    case 'nothing':
      return buildInfoNotice(t(locale, 'privacy.nothing', { address: shownAddress(address) }));
    case 'sent':
      return buildInfoNotice(
        t(locale, 'privacy.exported', {
          file: `\`${answer.filename}\``,
          tickets: answer.tickets,
          mails: answer.mails,
        }),
      );
    case 'failed':
      return buildInfoNotice(t(locale, 'privacy.export_failed', { code: escapeAndTruncate(answer.code, 100) }));
  }
}
