/**
 * What `/mail export` and `npm run export` write: the tickets, one row each, and the
 * numbers of `/mail stats`, as two CSV tables (domain/csv.ts). Pure: the service reads
 * the rows, this lays them out.
 *
 * Times are ISO 8601 with the offset of the mailbox's time zone (its business hours),
 * e.g. 2026-12-05T09:15:00+09:00: the moment is exact wherever the file is opened, and
 * reads as the team's local time. Durations in the numbers are in minutes.
 */
import { toCsv, type CsvCell } from './csv.js';
import type { Spread, TeamStats } from './stats.js';

export interface ExportTicket {
  mailboxKey: string;
  /** The mailbox's time zone (IANA), for its times. */
  timeZone: string;
  number: number;
  subject: string;
  customerAddress: string | null;
  customerName: string | null;
  status: string;
  urgency: string;
  tags: readonly string[];
  assigneeId: string | null;
  /** The assignee's name as Slack shows it, when known. */
  assigneeName: string | null;
  receivedAt: Date;
  firstResponseAt: Date | null;
  closedAt: Date | null;
}

export const TICKET_COLUMNS = [
  'number',
  'mailbox',
  'subject',
  'customer',
  'customer name',
  'status',
  'urgency',
  'tags',
  'assignee',
  'assignee id',
  'received',
  'first response',
  'closed',
] as const;

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/** 2026-12-05T09:15:00+09:00: the instant in the zone's local time, with the zone's offset then. */
export function isoInZone(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    zoneFormat(timeZone)
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  // longOffset is "GMT+09:00", or plain "GMT" at UTC.
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

function time(date: Date | null, timeZone: string): string {
  return date ? isoInZone(date, timeZone) : '';
}

/** The tickets as a CSV file (with its BOM), oldest first. */
export function ticketsCsv(tickets: readonly ExportTicket[]): string {
  const rows: CsvCell[][] = [[...TICKET_COLUMNS]];
  for (const ticket of tickets) {
    rows.push([
      ticket.number,
      ticket.mailboxKey,
      ticket.subject,
      ticket.customerAddress,
      ticket.customerName,
      ticket.status,
      ticket.urgency,
      ticket.tags.join(', '),
      ticket.assigneeName ?? ticket.assigneeId,
      ticket.assigneeId,
      time(ticket.receivedAt, ticket.timeZone),
      time(ticket.firstResponseAt, ticket.timeZone),
      time(ticket.closedAt, ticket.timeZone),
    ]);
  }
  return toCsv(rows);
}

export const STATS_COLUMNS = [
  'group',
  'key',
  'received',
  'replied',
  'closed',
  'first response median (min)',
  'first response p90 (min)',
  'first responses',
  'time to close median (min)',
  'time to close p90 (min)',
  'tickets',
] as const;

const minutes = (ms: number | null): CsvCell => (ms === null ? null : Math.round(ms / 60_000));
const spreadCells = (spread: Spread): CsvCell[] => [minutes(spread.median), minutes(spread.p90), spread.count];

/**
 * The numbers of `/mail stats` over the period: the team's totals, then one row per agent
 * (named when known), per urgency and per tag (tickets opened in the period), and the
 * tickets unclaimed and the drafts waiting for review now.
 */
export function statsCsv(stats: TeamStats, nameOf: (userId: string) => string | null = () => null): string {
  const closeCells = (spread: Spread): CsvCell[] => [minutes(spread.median), minutes(spread.p90)];
  const rows: CsvCell[][] = [
    [...STATS_COLUMNS],
    [
      'total',
      '',
      stats.received,
      stats.replied,
      stats.closed,
      ...spreadCells(stats.firstResponse),
      ...closeCells(stats.timeToClose),
      null,
    ],
  ];
  const groups = [
    ['agent', stats.byAgent, (key: string) => nameOf(key) ?? key],
    ['urgency', stats.byUrgency, (key: string) => key],
  ] as const;
  for (const [group, entries, label] of groups)
    for (const entry of entries)
      rows.push([
        group,
        label(entry.key),
        entry.received,
        entry.replied,
        entry.closed,
        ...spreadCells(entry.firstResponse),
        ...closeCells(entry.timeToClose),
        null,
      ]);
  for (const { tag, tickets } of stats.byTag)
    rows.push(['tag', tag, null, null, null, null, null, null, null, null, tickets]);
  rows.push(['unclaimed now', '', null, null, null, null, null, null, null, null, stats.unclaimed]);
  rows.push(['waiting for review now', '', null, null, null, null, null, null, null, null, stats.waitingForReview]);
  return toCsv(rows);
}
