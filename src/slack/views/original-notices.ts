/**
 * What the person who asked for a mail's original is told: the words shared with the file
 * in their DM, and the answer below the mail, to them alone.
 */
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import type { OriginalAnswer, OriginalFileInfo } from '../../services/tickets/original-mail.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { escapeAndTruncate } from './escape.js';
import { buildInfoNotice } from './help-message.js';
import { buildRefusalNotice } from './ticket-notices.js';

/** The message the file is shared with in the DM: which mail of which ticket, and what was done to it. */
export function buildOriginalComment(locale: TLocale, info: OriginalFileInfo): string {
  return t(locale, info.format === 'html' ? 'original.comment_html' : 'original.comment_eml', {
    mail: String(info.messageRowId),
    number: info.ticketNumber,
    subject: escapeAndTruncate(info.subject.trim() || t(locale, 'ticket.no_subject'), 200),
  });
}

export function buildOriginalAnswer(locale: TLocale, answer: OriginalAnswer): SlackMessage {
  switch (answer.kind) {
    case 'sent':
      return buildInfoNotice(t(locale, 'original.sent', { file: `\`${answer.filename}\`` }));
    case 'refused':
      return buildRefusalNotice(locale, answer.refusal);
    case 'no_html':
      return buildInfoNotice(t(locale, 'original.no_html'));
    case 'source_removed':
      return buildInfoNotice(t(locale, 'original.removed'));
    case 'failed':
      return buildInfoNotice(t(locale, 'original.failed', { code: escapeAndTruncate(answer.code, 100) }));
  }
}
