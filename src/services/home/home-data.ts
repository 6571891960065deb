/**
 * What the Home tab shows one person: their open tickets, drafts waiting for their review,
 * unclaimed and overdue tickets (of the channels they are in), and the last seven days'
 * volume and first-response times, drawn as a chart uploaded to Slack.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import { periodStart, percentileOf } from '../../domain/stats.js';
import type { ChartDay } from '../../domain/week-chart.js';
import type { Reviewers } from '../../slack/reviewers.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from '../search/answer-search.js';

/** No first reply after this long is overdue, by urgency. */
export const OVERDUE_AFTER_MS: Record<string, number> = { critical: 60 * 60_000, urgent: 4 * 60 * 60_000, normal: 24 * 60 * 60_000 };
const LISTED = 8;

export interface HomeTicket {
  number: number;
  subject: string;
  urgency: string;
  createdAt: Date;
  permalink: string | null;
}

export interface HomeList {
  count: number;
  tickets: HomeTicket[];
}

export interface HomeData {
  mine: HomeList;
  review: HomeList;
  unclaimed: HomeList;
  overdue: HomeList;
  week: { days: ChartDay[]; received: number; medianFirstResponseMs: number | null; p90FirstResponseMs: number | null };
}

export type HomeDataDeps = Pick<SearchDeps, 'db' | 'members' | 'logger' | 'permalink'> & {
  mailboxes: readonly TMailboxConfig[];
  reviewers: Reviewers;
  now?: () => Date;
};

type TicketRow = { number: number; subject: string; urgency: string; createdAt: Date; slackChannelId: string | null; slackTs: string | null };

async function list(deps: HomeDataDeps, count: number, rows: TicketRow[]): Promise<HomeList> {
  const tickets = await Promise.all(
    rows.map(async (row) => ({
      number: row.number,
      subject: row.subject,
      urgency: row.urgency,
      createdAt: row.createdAt,
      permalink: row.slackChannelId && row.slackTs ? await deps.permalink(row.slackChannelId, row.slackTs).catch(() => null) : null,
    })),
  );
  return { count, tickets };
}

const SELECT = { number: true, subject: true, urgency: true, createdAt: true, slackChannelId: true, slackTs: true } as const;

export async function readHomeData(deps: HomeDataDeps, userId: string): Promise<HomeData | null> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const scope = await searchScope(deps, userId);
  if (scope.channelIds.length === 0) return null;
  const inScope = ticketScopeWhere(scope);
  const custom = await db.customStatus.findMany({ select: { key: true, category: true } });
  const closedKeys = ['done', ...custom.filter((status) => status.category === 'closed').map((status) => status.key)];
  const openKeys = ['open', ...custom.filter((status) => status.category === 'open').map((status) => status.key)];
  const notClosed = { status: { notIn: closedKeys } };
  const order = [{ lastMessageAt: 'desc' as const }, { id: 'desc' as const }];

  // Drafts waiting for review in the mailboxes this person reviews, not their own.
  const rows = await db.mailbox.findMany({ where: { id: { in: scope.mailboxIds } }, select: { id: true, key: true } });
  const reviewed: number[] = [];
  for (const row of rows) {
    const config = deps.mailboxes.find((mailbox) => mailbox.key === row.key);
    if (config && (await deps.reviewers.isReviewer(config.reviewers, userId))) reviewed.push(row.id);
  }
  const reviewWhere = { ...inScope, mailboxId: { in: reviewed }, drafts: { some: { state: 'in_review', authorId: { not: userId } } } };
  const overdueWhere = {
    ...inScope,
    ...notClosed,
    firstResponseAt: null,
    AND: [{ OR: Object.entries(OVERDUE_AFTER_MS).map(([urgency, ms]) => ({ urgency, createdAt: { lt: new Date(now.getTime() - ms) } })) }],
  };
  const mineWhere = { ...inScope, ...notClosed, assigneeId: userId };
  const unclaimedWhere = { ...inScope, assigneeId: null, status: { in: openKeys } };
  const start = periodStart('week', now);
  const [mine, mineCount, review, reviewCount, unclaimed, unclaimedCount, overdue, overdueCount, received, opened] = await Promise.all([
    db.ticket.findMany({ where: mineWhere, orderBy: order, take: LISTED, select: SELECT }),
    db.ticket.count({ where: mineWhere }),
    db.ticket.findMany({ where: reviewWhere, orderBy: order, take: LISTED, select: SELECT }),
    db.ticket.count({ where: reviewWhere }),
    db.ticket.findMany({ where: unclaimedWhere, orderBy: order, take: LISTED, select: SELECT }),
    db.ticket.count({ where: unclaimedWhere }),
    db.ticket.findMany({ where: overdueWhere, orderBy: [{ createdAt: 'asc' }], take: LISTED, select: SELECT }),
    db.ticket.count({ where: overdueWhere }),
    db.message.findMany({ where: { direction: 'in', receivedAt: { gte: start }, ticket: inScope }, select: { receivedAt: true } }),
    db.ticket.findMany({ where: { ...inScope, createdAt: { gte: start }, firstResponseAt: { not: null } }, select: { createdAt: true, firstResponseAt: true } }),
  ]);
  const days: ChartDay[] = Array.from({ length: 7 }, (_, i) => {
    const day = new Date(start);
    day.setDate(day.getDate() + i);
    return { day, received: 0, medianFirstResponseMs: null };
  });
  const dayOf = (date: Date) => days.findLastIndex((entry) => entry.day <= date);
  for (const mail of received) {
    const index = dayOf(mail.receivedAt);
    if (index >= 0) days[index]!.received += 1;
  }
  const responses = opened.map((ticket) => ({ index: dayOf(ticket.createdAt), ms: ticket.firstResponseAt!.getTime() - ticket.createdAt.getTime() }));
  days.forEach((day, index) => {
    day.medianFirstResponseMs = percentileOf(responses.filter((response) => response.index === index).map((response) => response.ms), 50);
  });
  const all = responses.map((response) => response.ms);
  return {
    mine: await list(deps, mineCount, mine),
    review: await list(deps, reviewCount, review),
    unclaimed: await list(deps, unclaimedCount, unclaimed),
    overdue: await list(deps, overdueCount, overdue),
    week: { days, received: received.length, medianFirstResponseMs: percentileOf(all, 50), p90FirstResponseMs: percentileOf(all, 90) },
  };
}
