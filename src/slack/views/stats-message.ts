/**
 * `/mail stats`: the period's totals, response and close times (median, p90), then one
 * line per agent and per urgency, and the most used tags. Pure; within Block Kit limits however many agents there
 * are (the lines are split over sections of at most 3000 characters, the agents cut at 40).
 */
import type { KnownBlock } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import type { GroupStats, Spread, StatsPeriod, TeamStats } from '../../domain/stats.js';
import { t } from '../../i18n/messages.js';
import type { StatsAnswer } from '../../services/reports/team-stats.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage, sectionsOfLines } from './help-message.js';
import { escapeAndTruncate } from './escape.js';
import { slackDate, urgencyLabel } from './ticket-message.js';

const AGENTS_SHOWN = 40;
/** The most used tags listed; how many more follows. */
export const TAGS_SHOWN = 15;

export function formatDuration(locale: TLocale, ms: number | null): string {
  if (ms === null) return t(locale, 'duration.none');
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return t(locale, 'duration.minutes', { m: minutes });
  if (minutes < 48 * 60) return t(locale, 'duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
  return t(locale, 'duration.days', { d: Math.floor(minutes / 1440), h: Math.floor((minutes % 1440) / 60) });
}

function spread(locale: TLocale, value: Spread): string {
  return t(locale, 'stats.spread', {
    median: formatDuration(locale, value.median),
    p90: formatDuration(locale, value.p90),
    count: value.count,
  });
}

function groupLine(locale: TLocale, name: string, group: GroupStats): string {
  return `• ${t(locale, 'stats.group_line', {
    name,
    received: group.received,
    replied: group.replied,
    closed: group.closed,
    first: formatDuration(locale, group.firstResponse.median),
    close: formatDuration(locale, group.timeToClose.median),
  })}`;
}

export function buildStatsMessage(input: {
  locale: TLocale;
  period: StatsPeriod;
  start: Date;
  stats: TeamStats;
}): SlackMessage {
  const { locale, stats } = input;
  const title = t(locale, `stats.title.${input.period}`);
  const field = (label: string, value: string | number) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` });
  const agents = stats.byAgent.slice(0, AGENTS_SHOWN).map((group) => groupLine(locale, `<@${group.key}>`, group));
  if (stats.byAgent.length > AGENTS_SHOWN)
    agents.push(t(locale, 'stats.more_agents', { count: stats.byAgent.length - AGENTS_SHOWN }));
  const urgencies = stats.byUrgency.map((group) => groupLine(locale, urgencyLabel(locale, group.key), group));
  const tags = stats.byTag
    .slice(0, TAGS_SHOWN)
    .map(
      (entry) =>
        `• ${t(locale, 'stats.tag_line', { tag: `\`${escapeAndTruncate(entry.tag, 200)}\``, count: entry.tickets })}`,
    );
  if (stats.byTag.length > TAGS_SHOWN)
    tags.push(t(locale, 'stats.more_tags', { count: stats.byTag.length - TAGS_SHOWN }));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: t(locale, 'stats.since', { date: slackDate(input.start) }) }],
    },
    {
      type: 'section',
      fields: [
        field(t(locale, 'stats.received'), stats.received),
        field(t(locale, 'stats.replied'), stats.replied),
        field(t(locale, 'stats.closed'), stats.closed),
        field(t(locale, 'stats.unclaimed'), stats.unclaimed),
        field(t(locale, 'stats.waiting_review'), stats.waitingForReview),
      ],
    },
    {
      type: 'section',
      fields: [
        field(t(locale, 'stats.first_response'), spread(locale, stats.firstResponse)),
        field(t(locale, 'stats.time_to_close'), spread(locale, stats.timeToClose)),
      ],
    },
    ...sectionsOfLines(`*${t(locale, 'stats.by_agent')}*`, agents.length ? agents : [t(locale, 'stats.nobody')]),
    ...sectionsOfLines(
      `*${t(locale, 'stats.by_urgency')}*`,
      urgencies.length ? urgencies : [t(locale, 'stats.nobody')],
    ),
    ...sectionsOfLines(`*${t(locale, 'stats.by_tag')}*`, tags.length ? tags : [t(locale, 'stats.no_tags')]),
  ];
  return { text: title, blocks };
}

/** `/mail stats`: the numbers, or why there are none to show. */
export function buildStatsAnswer(locale: TLocale, answer: StatsAnswer): SlackMessage {
  switch (answer.kind) {
    case 'usage':
      return buildNoticeMessage(t(locale, 'stats.usage'));
    case 'no_access':
      return buildNoticeMessage(t(locale, 'search.no_access'));
    case 'stats':
      return buildStatsMessage({ locale, period: answer.period, start: answer.start, stats: answer.stats });
  }
}
