/**
 * `/mail search …` and its paging buttons: reads the query, works out which channels the
 * user may look into (a member of the channel, as for every ticket action), runs one page
 * of the search and answers with what was found (views/search-results.ts shows it to the
 * user alone).
 */
import type { Db } from '../../db/client.js';
import { parseSearchQuery, type SearchProblem } from '../../domain/search-query.js';
import type { StatusDefinition } from '../../domain/ticket-fields.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import type { Permalinks } from '../../slack-api/permalinks.js';
import { ticketStatusesOf } from '../tickets/ticket-statuses.js';
import { PAGE_SIZE, searchSnippets, searchTickets, type SearchScope } from '../../db/queries/search-tickets.js';
import { errorMessage } from '../../errors.js';
import { channelsWithTickets } from '../../db/queries/ticket-channels.js';

export interface SearchDeps {
  db: Db;
  members: ChannelMembers;
  logger: Logger;
  permalink: Permalinks;
}

/** One ticket found, with what the results show of it. */
export interface SearchResultItem {
  number: number;
  subject: string;
  status: string;
  urgency: string;
  assigneeId: string | null;
  lastMessageAt: Date;
  permalink: string | null;
  from: string | null;
  snippet: string | null;
  statuses: readonly StatusDefinition[];
}

/** One page of results: `offset` of the first, `more` when a next page has some. */
export interface SearchResults {
  queryText: string;
  offset: number;
  pageSize: number;
  more: boolean;
  items: SearchResultItem[];
}

export type SearchAnswer =
  /** The query could not be read: what is wrong with it. */
  | { kind: 'problem'; problem: SearchProblem }
  /** The user is a member of no channel with tickets. */
  | { kind: 'no_access' }
  | ({ kind: 'results' } & SearchResults);

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
  const channels = await channelsWithTickets(db);
  postedChannelCache.set(db, { channels, until: Date.now() + CHANNELS_FRESH_MS });
  return channels;
}

/** The channels (and the mailboxes working them) whose tickets the user may see. */
export async function searchScope(
  deps: Pick<SearchDeps, 'db' | 'members' | 'logger'>,
  userId: string,
): Promise<SearchScope> {
  const mailboxes = await deps.db.mailbox.findMany({ select: { id: true, channelId: true } });
  const channels = [...new Set([...mailboxes.map((mailbox) => mailbox.channelId), ...(await postedChannels(deps.db))])];
  const allowed = new Set<string>();
  await Promise.all(
    channels.map(async (channelId) => {
      try {
        if (await deps.members.isMember(channelId, userId)) allowed.add(channelId);
      } catch (error) {
        // Slack could not say: that channel stays out of the results.
        deps.logger.warn(
          { code: 'channel_members_unavailable', channelId, err: errorMessage(error) },
          'could not read channel members',
        );
      }
    }),
  );
  return {
    channelIds: [...allowed],
    mailboxIds: mailboxes.filter((mailbox) => allowed.has(mailbox.channelId)).map((mailbox) => mailbox.id),
  };
}

/**
 * The Prisma condition for tickets within a scope: junk left out, and tickets merged into
 * another (their mails are there; counted twice otherwise).
 */
export function ticketScopeWhere(scope: SearchScope) {
  return {
    junk: false,
    mergedIntoId: null,
    OR: [{ slackChannelId: { in: scope.channelIds } }, { slackChannelId: null, mailboxId: { in: scope.mailboxIds } }],
  };
}

export async function answerSearch(
  deps: SearchDeps,
  input: { userId: string; text: string; offset?: number },
): Promise<SearchAnswer> {
  const parsed = parseSearchQuery(input.text, input.userId);
  if ('problem' in parsed) return { kind: 'problem', problem: parsed.problem };
  const scope = await searchScope(deps, input.userId);
  if (scope.channelIds.length === 0) return { kind: 'no_access' };
  const offset = input.offset ?? 0;
  const started = Date.now();
  const page = await searchTickets(deps.db, parsed.query, scope, offset);
  const ids = page.hits.map((hit) => hit.id);
  const [snippets, senders, statuses] = await Promise.all([
    searchSnippets(deps.db, ids, parsed.query.terms, parsed.query.inComments),
    deps.db.message.findMany({
      where: { ticketId: { in: ids }, direction: 'in' },
      orderBy: { id: 'asc' },
      select: { ticketId: true, fromAddress: true },
    }),
    ticketStatusesOf(
      deps.db,
      page.hits.map((hit) => hit.mailboxId),
    ),
  ]);
  const firstSender = new Map<number, string>();
  for (const message of senders)
    if (message.ticketId !== null && message.fromAddress && !firstSender.has(message.ticketId))
      firstSender.set(message.ticketId, message.fromAddress);
  const items: SearchResultItem[] = await Promise.all(
    page.hits.map(async (hit) => ({
      ...hit,
      permalink:
        hit.slackChannelId && hit.slackTs
          ? await deps.permalink(hit.slackChannelId, hit.slackTs).catch(() => null)
          : null,
      from: firstSender.get(hit.id) ?? null,
      snippet: snippets.get(hit.id) ?? null,
      statuses: statuses.get(hit.mailboxId) ?? [],
    })),
  );
  deps.logger.info(
    {
      code: 'search',
      userId: input.userId,
      terms: parsed.query.terms.length,
      offset,
      found: items.length,
      ms: Date.now() - started,
    },
    'search answered',
  );
  return { kind: 'results', queryText: input.text.trim(), offset, pageSize: PAGE_SIZE, more: page.more, items };
}
