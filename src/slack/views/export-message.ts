/**
 * `/mail export`: the words that come with the two CSV files in the asker's DM, and the
 * answer in the channel (to the asker alone) saying where they went or why not. Pure.
 */
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import {
  MAX_EXPORT_TICKETS,
  type ExportFilesInfo,
  type SendExportAnswer,
} from '../../services/reports/export-tickets.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from './help-message.js';
import { problemText } from './search-results.js';
import { slackDate } from './ticket-message.js';

function rangeText(locale: TLocale, info: ExportFilesInfo): string {
  const from = slackDate(info.range.from);
  return info.range.until
    ? t(locale, 'export.range_between', { from, until: slackDate(info.range.until) })
    : t(locale, 'export.range_since', { from });
}

/** The message each file is shared with. */
export function exportFileComment(locale: TLocale, info: ExportFilesInfo, file: 'tickets' | 'stats'): string {
  const range = rangeText(locale, info);
  if (file === 'stats') return t(locale, 'export.comment_stats', { range });
  const truncated = info.truncated ? ` ${t(locale, 'export.truncated', { max: MAX_EXPORT_TICKETS })}` : '';
  return `${t(locale, 'export.comment_tickets', { count: info.tickets, range })}${truncated}`;
}

export function buildExportAnswer(locale: TLocale, answer: SendExportAnswer): SlackMessage {
  switch (answer.kind) {
    case 'problem':
      return buildNoticeMessage(problemText(locale, answer.problem));
    case 'no_access':
      return buildNoticeMessage(t(locale, 'search.no_access'));
    case 'failed':
      return buildNoticeMessage(t(locale, 'export.failed', { code: answer.code }));
    case 'sent':
      return buildNoticeMessage(
        t(locale, 'export.sent', {
          count: answer.tickets,
          files: answer.files.join(', '),
          range: rangeText(locale, answer),
        }),
      );
  }
}
