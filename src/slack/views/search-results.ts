/**
 * `/mail search` results, shown to the searcher alone: one section per ticket with a link
 * to its thread, where it stands, who wrote, and the text around the word found; paging
 * buttons carry the query and the next offset (re-run, with access checked again, on
 * click). Pure: data in, Block Kit out; everything from mail is escaped.
 */
import type { KnownBlock, Button } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import type { SearchProblem } from '../../domain/search-query.js';
import { statusLabel } from '../../domain/ticket-fields.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { SearchAnswer, SearchResultItem, SearchResults } from '../../services/search/answer-search.js';
import { ACTION_IDS } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, mrkdwnLink } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from './help-message.js';
import { slackDate, urgencyLabel } from './ticket-message.js';

export type { SearchResultItem };

export type SearchResultsInput = SearchResults & { locale: TLocale };

/** What a paging button carries. */
export interface SearchPaging {
  q: string;
  o: number;
}

/** Button values stay far below Slack's 2000 characters: the query is cut to 500. */
export function pagingValue(queryText: string, offset: number): string {
  return JSON.stringify({ q: queryText.slice(0, 500), o: offset } satisfies SearchPaging);
}

export function readPagingValue(value: string | undefined): SearchPaging | null {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<SearchPaging>;
    if (
      typeof parsed.q !== 'string' ||
      !Number.isInteger(parsed.o) ||
      (parsed.o as number) < 0 ||
      (parsed.o as number) > 100_000
    )
      return null;
    return { q: parsed.q.slice(0, 500), o: parsed.o as number };
  } catch {
    return null;
  }
}

function itemSection(locale: TLocale, item: SearchResultItem): KnownBlock {
  const title = `#${item.number} ${escapeAndTruncate(item.subject.trim() || t(locale, 'ticket.no_subject'), 150)}`;
  // A link's label may not contain "|" or ">" unescaped; escapeMrkdwn took care of ">".
  const head = item.permalink
    ? `*${mrkdwnLink(item.permalink, title)}*`
    : `*${title}* _(${t(locale, 'search.not_posted')})_`;
  const facts = [
    statusLabel(item.statuses, item.status, locale),
    urgencyLabel(locale, item.urgency),
    item.assigneeId ? `<@${item.assigneeId}>` : t(locale, 'ticket.unassigned'),
    ...(item.from ? [t(locale, 'search.from', { from: escapeAndTruncate(item.from, 200) })] : []),
    slackDate(item.lastMessageAt),
  ].join(' · ');
  const snippet = item.snippet ? `\n> ${escapeAndTruncate(item.snippet, 300)}` : '';
  return { type: 'section', text: { type: 'mrkdwn', text: `${head}\n${facts}${snippet}` } };
}

export function buildSearchResults(input: SearchResultsInput): SlackMessage {
  const { locale, queryText, offset, items } = input;
  const query = `\`${escapeAndTruncate(queryText, 200).replace(/`/g, "'")}\``;
  if (items.length === 0) {
    const text = t(locale, 'search.none', { query });
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const title = t(locale, 'search.title', { query: queryText.slice(0, 100) });
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${t(locale, 'search.title', { query })}*` } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: t(locale, 'search.range', { from: offset + 1, to: offset + items.length }) }],
    },
    ...items.map((item) => itemSection(locale, item)),
  ];
  const buttons: Button[] = [];
  if (offset > 0) {
    buttons.push({
      type: 'button',
      action_id: ACTION_IDS.searchPrevious,
      text: { type: 'plain_text', text: t(locale, 'search.previous') },
      value: pagingValue(queryText, Math.max(0, offset - input.pageSize)),
    });
  }
  if (input.more) {
    buttons.push({
      type: 'button',
      action_id: ACTION_IDS.searchNext,
      text: { type: 'plain_text', text: t(locale, 'search.next') },
      value: pagingValue(queryText, offset + items.length),
    });
  }
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'search-paging', elements: buttons });
  return { text: escapeMrkdwn(title), blocks };
}

export function problemText(locale: TLocale, problem: SearchProblem): string {
  switch (problem.kind) {
    case 'empty':
      return t(locale, 'search.usage');
    case 'bad_date':
      return t(locale, 'search.bad_date', { filter: problem.filter, value: escapeMrkdwn(problem.value.slice(0, 50)) });
    default:
      return t(locale, `search.${problem.kind}` as MessageKey, { value: escapeMrkdwn(problem.value.slice(0, 50)) });
  }
}

/** `/mail search` and its paging: the results, or why there are none to show. */
export function buildSearchAnswer(locale: TLocale, answer: SearchAnswer): SlackMessage {
  switch (answer.kind) {
    case 'problem':
      return buildNoticeMessage(problemText(locale, answer.problem));
    case 'no_access':
      return buildNoticeMessage(t(locale, 'search.no_access'));
    case 'results':
      return buildSearchResults({ ...answer, locale });
  }
}
