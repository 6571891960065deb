/**
 * `/mail search …` and its paging buttons: reads the query, works out which channels the
 * user may look into (a member of the channel, as for every ticket action), runs one page
 * of the search and builds the answer shown to the user alone.
 */
import type { Db } from '../../db/client.js';
import { parseSearchQuery, type SearchProblem } from '../../domain/search-query.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import type { Permalinks } from '../../slack-api/permalinks.js';
import type { UserLocales } from '../../slack-api/user-locales.js';
import { escapeMrkdwn } from '../../slack/views/escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from '../../slack/views/help-message.js';
import { buildSearchResults } from '../../slack/views/search-results.js';
import { ticketStatusesOf } from '../tickets/ticket-statuses.js';
import { PAGE_SIZE, searchSnippets, searchTickets, type SearchScope } from './search-tickets.js';

export interface SearchDeps {
  db: Db;
  members: ChannelMembers;
  userLocales: UserLocales;
  logger: Logger;
  permalink: Permalinks;
}

function problemText(locale: 'en' | 'ja', problem: SearchProblem): string {
  switch (problem.kind) {
    case 'empty':
      return t(locale, 'search.usage');
    case 'bad_date':
      return t(locale, 'search.bad_date', { filter: problem.filter, value: escapeMrkdwn(problem.value.slice(0, 50)) });
    default:
      return t(locale, `search.${problem.kind}` as MessageKey, { value: escapeMrkdwn(problem.value.slice(0, 50)) });
  }
}

const CHANNELS_FRESH_MS = 60_000;
const postedChannelCache = new WeakMap<Db, { channels: string[]; until: number }>();

/**
 * Every channel tickets were posted in (routing rules can post beside the mailbox's own):
 * a scan of the tickets, so kept for a minute — a channel new to routing shows up in
 * searches within that minute.
 */
async function postedChannels(db: Db): Promise<string[]> {
  const cached = postedChannelCache.get(db);
  if (cached && cached.until > Date.now()) return cached.channels;
  const rows = await db.$queryRawUnsafe<{ channel: string }[]>(`SELECT DISTINCT "slackChannelId" AS "channel" FROM "Ticket" WHERE "slackChannelId" IS NOT NULL`);
  const channels = rows.map((row) => row.channel);
  postedChannelCache.set(db, { channels, until: Date.now() + CHANNELS_FRESH_MS });
  return channels;
}

/** The channels (and the mailboxes working them) whose tickets the user may see. */
export async function searchScope(deps: Pick<SearchDeps, 'db' | 'members' | 'logger'>, userId: string): Promise<SearchScope> {
  const mailboxes = await deps.db.mailbox.findMany({ select: { id: true, channelId: true } });
  const channels = [...new Set([...mailboxes.map((mailbox) => mailbox.channelId), ...(await postedChannels(deps.db))])];
  const allowed = new Set<string>();
  await Promise.all(
    channels.map(async (channelId) => {
      try {
        if (await deps.members.isMember(channelId, userId)) allowed.add(channelId);
      } catch (error) {
        // Slack could not say: that channel stays out of the results.
        deps.logger.warn({ code: 'channel_members_unavailable', channelId, err: (error as Error).message }, 'could not read channel members');
      }
    }),
  );
  return { channelIds: [...allowed], mailboxIds: mailboxes.filter((mailbox) => allowed.has(mailbox.channelId)).map((mailbox) => mailbox.id) };
}

/** The Prisma condition for tickets within a scope (junk left out). */
export function ticketScopeWhere(scope: SearchScope) {
  return {
    junk: false,
    OR: [{ slackChannelId: { in: scope.channelIds } }, { slackChannelId: null, mailboxId: { in: scope.mailboxIds } }],
  };
}

export async function answerSearch(deps: SearchDeps, input: { userId: string; text: string; offset?: number }): Promise<SlackMessage> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const parsed = parseSearchQuery(input.text, input.userId);
  if ('problem' in parsed) return buildNoticeMessage(problemText(locale, parsed.problem));
  const scope = await searchScope(deps, input.userId);
  if (scope.channelIds.length === 0) return buildNoticeMessage(t(locale, 'search.no_access'));
  const offset = input.offset ?? 0;
  const started = Date.now();
  const page = await searchTickets(deps.db, parsed.query, scope, offset);
  const ids = page.hits.map((hit) => hit.id);
  const [snippets, senders, statuses] = await Promise.all([
    searchSnippets(deps.db, ids, parsed.query.terms, parsed.query.inComments),
    deps.db.message.findMany({ where: { ticketId: { in: ids }, direction: 'in' }, orderBy: { id: 'asc' }, select: { ticketId: true, fromAddress: true } }),
    ticketStatusesOf(deps.db, page.hits.map((hit) => hit.mailboxId)),
  ]);
  const firstSender = new Map<number, string>();
  for (const message of senders) if (message.ticketId !== null && message.fromAddress && !firstSender.has(message.ticketId)) firstSender.set(message.ticketId, message.fromAddress);
  const items = await Promise.all(
    page.hits.map(async (hit) => ({
      ...hit,
      permalink: hit.slackChannelId && hit.slackTs ? await deps.permalink(hit.slackChannelId, hit.slackTs).catch(() => null) : null,
      from: firstSender.get(hit.id) ?? null,
      snippet: snippets.get(hit.id) ?? null,
      statuses: statuses.get(hit.mailboxId) ?? [],
    })),
  );
  deps.logger.info({ code: 'search', userId: input.userId, terms: parsed.query.terms.length, offset, found: items.length, ms: Date.now() - started }, 'search answered');
  return buildSearchResults({ locale, queryText: input.text.trim(), offset, pageSize: PAGE_SIZE, more: page.more, items });
}
