import type { HomeView, KnownBlock } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import { buildTemplateList, type TemplateSummary } from './template-views.js';
import type { HomeData, HomeList } from '../../services/reports/home-data.js';
import { escapeAndTruncate, mrkdwnLink } from './escape.js';
import { buildHelpMessage, sectionsOfLines, type HelpMailbox } from './help-message.js';
import { formatDuration } from './stats-message.js';
import { slackDate, urgencyLabel } from './ticket-message.js';
import { ACTION_IDS } from '../ids.js';

const HOME_MAX_BLOCKS = 100;

function listBlocks(locale: TLocale, heading: MessageKey, list: HomeList): KnownBlock[] {
  const lines = list.tickets.map((ticket) => {
    const title = `#${ticket.number} ${escapeAndTruncate(ticket.subject.trim() || t(locale, 'ticket.no_subject'), 100)}`;
    const link = mrkdwnLink(ticket.permalink, title);
    const urgency = ticket.urgency === 'normal' ? '' : ` · *${urgencyLabel(locale, ticket.urgency)}*`;
    return `• ${link}${urgency} · ${slackDate(ticket.createdAt)}`;
  });
  if (list.count > list.tickets.length) lines.push(t(locale, 'home.more', { count: list.count - list.tickets.length }));
  return sectionsOfLines(
    `*${t(locale, heading, { count: list.count })}*`,
    lines.length ? lines : [t(locale, 'home.none')],
  );
}

/**
 * The App Home tab, in the user's language: their tickets, drafts waiting for their review,
 * unclaimed and overdue tickets, the last seven days as numbers and a chart (an image
 * uploaded to Slack), then what Mailroom is and the commands. Without data (nobody's
 * channel, or the database not given) only the introduction.
 */
export function buildHomeView(
  locale: TLocale,
  mailboxes: readonly HelpMailbox[],
  data?: HomeData | null,
  chartFileId?: string | null,
  templates: readonly TemplateSummary[] = [],
): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: t(locale, 'home.title') } }];
  if (data) {
    blocks.push(
      ...listBlocks(locale, 'home.mine', data.mine),
      ...listBlocks(locale, 'home.review', data.review),
      ...listBlocks(locale, 'home.unclaimed', data.unclaimed),
      ...listBlocks(locale, 'home.overdue', data.overdue),
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: t(locale, 'home.week') } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: t(locale, 'home.week_summary', {
            received: data.week.received,
            median: formatDuration(locale, data.week.medianFirstResponseMs),
            p90: formatDuration(locale, data.week.p90FirstResponseMs),
          }),
        },
      },
    );
    const dayLines = data.week.days.map((day) =>
      t(locale, 'home.chart_day', {
        day: day.day.toLocaleDateString(locale === 'ja' ? 'ja-JP' : 'en-GB', {
          weekday: 'short',
          month: 'numeric',
          day: 'numeric',
        }),
        received: day.received,
        median: formatDuration(locale, day.medianFirstResponseMs),
      }),
    );
    if (chartFileId) {
      blocks.push({
        type: 'image',
        slack_file: { id: chartFileId },
        alt_text: t(locale, 'home.chart_alt', { days: dayLines.join('; ') }).slice(0, 2000),
      });
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'home.chart_legend') }] });
    }
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: dayLines.join('\n').slice(0, 3000) }] });
  }
  blocks.push(
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: t(locale, 'home.intro') } },
    // Writing to a customer first: the compose modal (`mail.new`).
    {
      type: 'actions',
      block_id: 'home-compose',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.mailNew,
          text: { type: 'plain_text', text: t(locale, 'compose.button') },
          value: '',
        },
      ],
    },
    { type: 'divider' },
    ...buildHelpMessage(locale, mailboxes).blocks,
  );
  // The reply templates of every mailbox, with "New template" and an Edit button each.
  const list = buildTemplateList(locale, { title: t(locale, 'templates.home_heading'), templates, newValue: '' });
  blocks.push(
    { type: 'divider' },
    list.blocks[0]!,
    { type: 'section', text: { type: 'mrkdwn', text: t(locale, 'templates.home_intro') } },
    ...list.blocks.slice(1),
  );
  // A Home tab holds 100 blocks: with full lists above, the template list is cut short.
  return { type: 'home', blocks: blocks.slice(0, HOME_MAX_BLOCKS) };
}
