/**
 * `/mail stats [today|week|month]`: the team's numbers over the period, for the mailboxes
 * whose channels the person is a member of, answered to them alone.
 */
import { readTags } from '../../domain/tags.js';
import {
  periodStart,
  readPeriod,
  teamStats,
  type StatsPeriod,
  type StatsRows,
  type TeamStats,
} from '../../domain/stats.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from '../search/answer-search.js';
import { statusCategoryWhere, ticketStatusesOf } from '../tickets/ticket-statuses.js';

export type StatsDeps = Pick<SearchDeps, 'db' | 'members' | 'logger'> & { now?: () => Date };

export type StatsAnswer =
  /** The period could not be read. */
  | { kind: 'usage' }
  /** The user is a member of no channel with tickets. */
  | { kind: 'no_access' }
  | { kind: 'stats'; period: StatsPeriod; start: Date; stats: TeamStats };

/** The tickets the numbers are about, as a Prisma condition. */
export type TicketWhere = ReturnType<typeof ticketScopeWhere> | { junk: false; mailboxId?: number };

/**
 * Reads what the numbers are made of, from `start` on; with `end`, up to it (exclusive)
 * and as things stood then: a ticket answered or closed after it counts as not yet.
 */
async function readStatsRows(db: StatsDeps['db'], inScope: TicketWhere, start: Date, end?: Date): Promise<StatsRows> {
  const within = end ? { gte: start, lt: end } : { gte: start };
  const before = (date: Date | null) => (date && end && date >= end ? null : date);
  // Each mailbox's own statuses: a custom key may be open in one and closed in another.
  const visible = await db.mailbox.findMany({ where: { tickets: { some: inScope } }, select: { id: true } });
  const stillOpen = statusCategoryWhere(
    await ticketStatusesOf(
      db,
      visible.map((mailbox) => mailbox.id),
    ),
    'open',
  );
  const [tickets, received, replies, unclaimed, waitingForReview] = await Promise.all([
    db.ticket.findMany({
      where: { ...inScope, AND: [{ OR: [{ createdAt: within }, { closedAt: within }] }] },
      select: { assigneeId: true, urgency: true, createdAt: true, firstResponseAt: true, closedAt: true, tags: true },
    }),
    db.message.findMany({
      where: { direction: 'in', receivedAt: within, ticket: inScope },
      select: { ticket: { select: { urgency: true, assigneeId: true } } },
    }),
    db.outboxMail.findMany({
      where: { state: 'sent', sentAt: within, draft: { ticket: inScope } },
      select: { draft: { select: { authorId: true, ticket: { select: { urgency: true } } } } },
    }),
    db.ticket.count({ where: { ...inScope, AND: [stillOpen], assigneeId: null } }),
    db.draft.count({ where: { state: 'in_review', ticket: inScope } }),
  ]);
  return {
    start,
    tickets: tickets.map((ticket) => ({
      ...ticket,
      firstResponseAt: before(ticket.firstResponseAt),
      closedAt: before(ticket.closedAt),
      tags: readTags(ticket.tags),
    })),
    receivedMails: received.map((mail) => ({
      urgency: mail.ticket?.urgency ?? 'normal',
      assigneeId: mail.ticket?.assigneeId ?? null,
    })),
    replies: replies.flatMap((reply) =>
      reply.draft ? [{ authorId: reply.draft.authorId, urgency: reply.draft.ticket.urgency }] : [],
    ),
    unclaimed,
    waitingForReview,
  };
}

/** The numbers over the tickets `where` names, from `start` (to `end`). */
export async function statsOf(db: StatsDeps['db'], where: TicketWhere, start: Date, end?: Date): Promise<TeamStats> {
  return teamStats(await readStatsRows(db, where, start, end));
}

export async function computeStats(deps: StatsDeps, userId: string, start: Date): Promise<TeamStats | null> {
  const scope = await searchScope(deps, userId);
  if (scope.channelIds.length === 0) return null;
  return statsOf(deps.db, ticketScopeWhere(scope), start);
}

export async function answerStats(deps: StatsDeps, input: { userId: string; text: string }): Promise<StatsAnswer> {
  const period = readPeriod(input.text);
  if (!period) return { kind: 'usage' };
  const now = deps.now?.() ?? new Date();
  const start = periodStart(period, now);
  const stats = await computeStats(deps, input.userId, start);
  return stats ? { kind: 'stats', period, start, stats } : { kind: 'no_access' };
}
