/**
 * The team's numbers over a period, worked out from plain rows. Pure: the service reads
 * the rows, this counts them, the view shows them.
 */
export type StatsPeriod = 'today' | 'week' | 'month';
export const STATS_PERIODS: readonly StatsPeriod[] = ['today', 'week', 'month'];

/** today: since local midnight; week: the last 7 days; month: the last 30 (today included). */
export function periodStart(period: StatsPeriod, now: Date): Date {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - (period === 'today' ? 0 : period === 'week' ? 6 : 29));
  return start;
}

export function readPeriod(text: string): StatsPeriod | null {
  const word = text.trim().toLowerCase() || 'week';
  return (STATS_PERIODS as readonly string[]).includes(word) ? (word as StatsPeriod) : null;
}

/** The value at percentile p (nearest rank) of the durations; null when there are none. */
export function percentileOf(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Spread {
  count: number;
  median: number | null;
  p90: number | null;
}

export function spreadOf(values: readonly number[]): Spread {
  return { count: values.length, median: percentileOf(values, 50), p90: percentileOf(values, 90) };
}

export interface StatsTicket {
  assigneeId: string | null;
  urgency: string;
  createdAt: Date;
  firstResponseAt: Date | null;
  closedAt: Date | null;
  /** Its tags (domain/tags.ts). */
  tags?: readonly string[];
}

export interface GroupStats {
  key: string;
  received: number;
  replied: number;
  closed: number;
  firstResponse: Spread;
  timeToClose: Spread;
}

export interface TeamStats {
  received: number;
  replied: number;
  closed: number;
  firstResponse: Spread;
  timeToClose: Spread;
  byAgent: GroupStats[];
  byUrgency: GroupStats[];
  /** Tickets opened in the period, per tag, most first (ties by name). */
  byTag: { tag: string; tickets: number }[];
  unclaimed: number;
  waitingForReview: number;
}

export interface StatsRows {
  start: Date;
  /** Tickets created in the period or closed in it. */
  tickets: StatsTicket[];
  /** Mails received in the period (count per urgency of their ticket). */
  receivedMails: { urgency: string; assigneeId: string | null }[];
  /** Replies sent in the period, by author. */
  replies: { authorId: string; urgency: string }[];
  unclaimed: number;
  waitingForReview: number;
}

function group(
  rows: StatsRows,
  keyOf: (item: { assigneeId: string | null; urgency: string }) => string | null,
  replyKey: (reply: { authorId: string; urgency: string }) => string,
): GroupStats[] {
  const groups = new Map<
    string,
    { received: number; replied: number; created: StatsTicket[]; closed: StatsTicket[] }
  >();
  const at = (key: string) => {
    let entry = groups.get(key);
    if (!entry) groups.set(key, (entry = { received: 0, replied: 0, created: [], closed: [] }));
    return entry;
  };
  for (const mail of rows.receivedMails) {
    const key = keyOf(mail);
    if (key) at(key).received += 1;
  }
  for (const reply of rows.replies) at(replyKey(reply)).replied += 1;
  for (const ticket of rows.tickets) {
    const key = keyOf(ticket);
    if (!key) continue;
    if (ticket.createdAt >= rows.start) at(key).created.push(ticket);
    if (ticket.closedAt && ticket.closedAt >= rows.start) at(key).closed.push(ticket);
  }
  return [...groups.entries()].map(([key, entry]) => ({
    key,
    received: entry.received,
    replied: entry.replied,
    closed: entry.closed.length,
    firstResponse: spreadOf(firstResponses(entry.created)),
    timeToClose: spreadOf(closeTimes(entry.closed)),
  }));
}

function firstResponses(tickets: readonly StatsTicket[]): number[] {
  return tickets
    .filter((ticket) => ticket.firstResponseAt)
    .map((ticket) => ticket.firstResponseAt!.getTime() - ticket.createdAt.getTime());
}

function closeTimes(tickets: readonly StatsTicket[]): number[] {
  return tickets
    .filter((ticket) => ticket.closedAt)
    .map((ticket) => ticket.closedAt!.getTime() - ticket.createdAt.getTime());
}

/** How many of the tickets carry each tag, most first, then by name. */
export function ticketsByTag(tickets: readonly StatsTicket[]): { tag: string; tickets: number }[] {
  const counts = new Map<string, number>();
  for (const ticket of tickets)
    for (const tag of new Set(ticket.tags ?? [])) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()]
    .map(([tag, count]) => ({ tag, tickets: count }))
    .sort((a, b) => b.tickets - a.tickets || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

export function teamStats(rows: StatsRows): TeamStats {
  const created = rows.tickets.filter((ticket) => ticket.createdAt >= rows.start);
  const closed = rows.tickets.filter((ticket) => ticket.closedAt && ticket.closedAt >= rows.start);
  const byAgent = group(
    rows,
    (item) => item.assigneeId,
    (reply) => reply.authorId,
  ).sort((a, b) => b.closed + b.replied - (a.closed + a.replied) || a.key.localeCompare(b.key));
  const urgencyOrder = ['critical', 'urgent', 'normal'];
  const byUrgency = group(
    rows,
    (item) => item.urgency,
    (reply) => reply.urgency,
  ).sort((a, b) => urgencyOrder.indexOf(a.key) - urgencyOrder.indexOf(b.key));
  return {
    received: rows.receivedMails.length,
    replied: rows.replies.length,
    closed: closed.length,
    firstResponse: spreadOf(firstResponses(created)),
    timeToClose: spreadOf(closeTimes(closed)),
    byAgent,
    byUrgency,
    byTag: ticketsByTag(created),
    unclaimed: rows.unclaimed,
    waitingForReview: rows.waitingForReview,
  };
}
