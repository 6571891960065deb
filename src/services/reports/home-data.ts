/**
 * What the Home tab shows one person: their open tickets, drafts waiting for their review,
 * unclaimed and overdue tickets (of the channels they are in), and the last seven days'
 * volume and first-response times, drawn as a chart uploaded to Slack.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import { isPastResponseTarget } from '../../domain/reminder-rules.js';
import { periodStart, percentileOf } from '../../domain/stats.js';
import type { ChartDay } from '../../domain/week-chart.js';
import type { Reviewers } from '../../slack-api/reviewers.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from '../search/answer-search.js';
import { statusCategoryWhere, ticketStatusesOf } from '../tickets/ticket-statuses.js';

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

type TicketWhere = NonNullable<NonNullable<Parameters<Db['ticket']['count']>[0]>['where']>;
type VisibleMailbox = { id: number; key: string; config: TMailboxConfig | undefined };

type TicketRow = {
  number: number;
  subject: string;
  urgency: string;
  createdAt: Date;
  slackChannelId: string | null;
  slackTs: string | null;
};

async function list(deps: HomeDataDeps, count: number, rows: TicketRow[]): Promise<HomeList> {
  const tickets = await Promise.all(
    rows.map(async (row) => ({
      number: row.number,
      subject: row.subject,
      urgency: row.urgency,
      createdAt: row.createdAt,
      permalink:
        row.slackChannelId && row.slackTs
          ? await deps.permalink(row.slackChannelId, row.slackTs).catch(() => null)
          : null,
    })),
  );
  return { count, tickets };
}

const SELECT = {
  number: true,
  subject: true,
  urgency: true,
  createdAt: true,
  slackChannelId: true,
  slackTs: true,
} as const;

/**
 * Open tickets past their response target, oldest first, by the rule the reminders use
 * (the mailbox's target per urgency, in its business minutes). Business time is not
 * counted in SQL, so the tickets that could be late are read and the rule decides; a
 * mailbox no longer configured has no target, as it has no reminders.
 */
async function overdueTickets(
  deps: HomeDataDeps,
  openInScope: TicketWhere,
  visible: readonly VisibleMailbox[],
  now: Date,
): Promise<TicketRow[]> {
  const configured = visible.flatMap((mailbox) => (mailbox.config ? [{ id: mailbox.id, config: mailbox.config }] : []));
  const candidates = await deps.db.ticket.findMany({
    where: {
      AND: [
        openInScope,
        // Unanswered, or answered before a reopening.
        { OR: [{ firstResponseAt: null }, { reopenedAt: { not: null } }] },
        // A wait shorter than the mailbox's shortest target on the clock is shorter in business time too.
        {
          OR: configured.map(({ id, config }) => ({
            mailboxId: id,
            createdAt: {
              lt: new Date(now.getTime() - Math.min(...Object.values(config.reminders.responseTargetMinutes)) * 60_000),
            },
          })),
        },
      ],
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { ...SELECT, mailboxId: true, reopenedAt: true, firstResponseAt: true, snoozedUntil: true },
  });
  const configOf = new Map(configured.map(({ id, config }) => [id, config]));
  return candidates.filter((ticket) => {
    const config = configOf.get(ticket.mailboxId)!;
    return isPastResponseTarget(ticket, now, config.businessHours, config.reminders.responseTargetMinutes);
  });
}

export async function readHomeData(deps: HomeDataDeps, userId: string): Promise<HomeData | null> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const scope = await searchScope(deps, userId);
  if (scope.channelIds.length === 0) return null;
  const inScope = ticketScopeWhere(scope);
  // The mailboxes whose tickets this person sees (their channels', and tickets routed into
  // them): a status key means what its own mailbox's statuses say, nothing else's.
  const visible = (
    await db.mailbox.findMany({ where: { tickets: { some: inScope } }, select: { id: true, key: true } })
  ).map(
    (row): VisibleMailbox => ({
      ...row,
      config: deps.mailboxes.find((mailbox) => mailbox.key === row.key),
    }),
  );
  const statuses = await ticketStatusesOf(
    db,
    visible.map((mailbox) => mailbox.id),
  );
  const notClosed = statusCategoryWhere(statuses, 'closed', true);
  const stillOpen = statusCategoryWhere(statuses, 'open');
  const order = [{ lastMessageAt: 'desc' as const }, { id: 'desc' as const }];

  // Drafts waiting for review in the mailboxes this person reviews, not their own.
  const reviewed: number[] = [];
  for (const mailbox of visible) {
    if (
      scope.mailboxIds.includes(mailbox.id) &&
      mailbox.config &&
      (await deps.reviewers.isReviewer(mailbox.config.reviewers, userId))
    )
      reviewed.push(mailbox.id);
  }
  const reviewWhere = {
    ...inScope,
    mailboxId: { in: reviewed },
    drafts: { some: { state: 'in_review', authorId: { not: userId } } },
  };
  const openInScope = { ...inScope, AND: [notClosed] };
  const mineWhere = { ...openInScope, assigneeId: userId };
  const unclaimedWhere = { ...inScope, AND: [stillOpen], assigneeId: null };
  const start = periodStart('week', now);
  const [mine, mineCount, review, reviewCount, unclaimed, unclaimedCount, overdue, received, opened] =
    await Promise.all([
      db.ticket.findMany({ where: mineWhere, orderBy: order, take: LISTED, select: SELECT }),
      db.ticket.count({ where: mineWhere }),
      db.ticket.findMany({ where: reviewWhere, orderBy: order, take: LISTED, select: SELECT }),
      db.ticket.count({ where: reviewWhere }),
      db.ticket.findMany({ where: unclaimedWhere, orderBy: order, take: LISTED, select: SELECT }),
      db.ticket.count({ where: unclaimedWhere }),
      overdueTickets(deps, openInScope, visible, now),
      db.message.findMany({
        where: { direction: 'in', receivedAt: { gte: start }, ticket: inScope },
        select: { receivedAt: true },
      }),
      db.ticket.findMany({
        where: { ...inScope, createdAt: { gte: start }, firstResponseAt: { not: null } },
        select: { createdAt: true, firstResponseAt: true },
      }),
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
  const responses = opened.map((ticket) => ({
    index: dayOf(ticket.createdAt),
    ms: ticket.firstResponseAt!.getTime() - ticket.createdAt.getTime(),
  }));
  days.forEach((day, index) => {
    day.medianFirstResponseMs = percentileOf(
      responses.filter((response) => response.index === index).map((response) => response.ms),
      50,
    );
  });
  const all = responses.map((response) => response.ms);
  return {
    mine: await list(deps, mineCount, mine),
    review: await list(deps, reviewCount, review),
    unclaimed: await list(deps, unclaimedCount, unclaimed),
    overdue: await list(deps, overdue.length, overdue.slice(0, LISTED)),
    week: {
      days,
      received: received.length,
      medianFirstResponseMs: percentileOf(all, 50),
      p90FirstResponseMs: percentileOf(all, 90),
    },
  };
}
