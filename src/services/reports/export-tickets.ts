/**
 * `/mail export [today|week|month] [filters]` and `npm run export`: the tickets of a period
 * that match the search filters, with the details a spreadsheet wants, and the numbers of
 * `/mail stats` over the same period. In Slack only the mailboxes of channels the asker is
 * a member of (as search and stats); from the command line, every mailbox or the one named.
 * Returns data: the CSV is laid out by domain/ticket-export.ts.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import { searchTickets, type SearchScope } from '../../db/queries/search-tickets.js';
import { channelsWithTickets } from '../../db/queries/ticket-channels.js';
import { parseSearchQuery, type SearchProblem, type SearchQuery } from '../../domain/search-query.js';
import { periodStart, STATS_PERIODS, type StatsPeriod, type TeamStats } from '../../domain/stats.js';
import { readTags } from '../../domain/tags.js';
import { statsCsv, ticketsCsv, type ExportTicket } from '../../domain/ticket-export.js';
import { errorMessage } from '../../errors.js';
import { sendDirectFiles, type DirectFiles } from '../../slack-api/direct-files.js';
import { searchScope, ticketScopeWhere, type SearchDeps } from '../search/answer-search.js';
import { statsOf } from './team-stats.js';

/** More rows than a spreadsheet is pleasant with; the answer says when there were more. */
export const MAX_EXPORT_TICKETS = 50_000;
/** Tickets read per query (well under SQLite's limit on parameters). */
const DETAIL_BATCH = 500;

export interface ExportDeps {
  db: Db;
  /** The configured mailboxes: each one's time zone for its times. */
  mailboxes: readonly Pick<TMailboxConfig, 'key' | 'businessHours'>[];
  /** An assignee's name as Slack shows it; null when unknown. */
  nameOf?: (userId: string) => Promise<string | null>;
  now?: () => Date;
}

/** Created or closed on or after `from`, and before `until` when given. */
export interface ExportRange {
  from: Date;
  until?: Date;
}

export interface ExportResult {
  range: ExportRange;
  tickets: ExportTicket[];
  /** More tickets matched than MAX_EXPORT_TICKETS: the newest were kept. */
  truncated: boolean;
  stats: TeamStats;
  /** Assignees' names, for the numbers per agent. */
  names: ReadonlyMap<string, string>;
}

export type ExportAnswer =
  | { kind: 'problem'; problem: SearchProblem }
  | { kind: 'no_access' }
  | ({ kind: 'export'; period: StatsPeriod | null } & ExportResult);

/**
 * `[period] [filters]`: a leading today|week|month is the period; without one, the period
 * is `week` (as for /mail stats) unless the filters hold before: or after:, which then
 * bound it alone. The rest is read as /mail search reads it; no words and no filters
 * export every ticket of the period.
 */
export function readExportRequest(
  text: string,
  userId: string,
  now: Date,
): { period: StatsPeriod | null; query: SearchQuery; range: ExportRange } | { problem: SearchProblem } {
  const [first = '', ...rest] = text.trim().split(/\s+/);
  const named = (STATS_PERIODS as readonly string[]).includes(first.toLowerCase())
    ? (first.toLowerCase() as StatsPeriod)
    : null;
  const filterText = named ? rest.join(' ') : text.trim();
  let query: SearchQuery = { terms: [] };
  if (filterText !== '') {
    const parsed = parseSearchQuery(filterText, userId);
    if ('problem' in parsed) return parsed;
    query = parsed.query;
  }
  const period = named ?? (query.after || query.before ? null : 'week');
  const range: ExportRange = period
    ? { from: periodStart(period, now) }
    : { from: query.after ?? new Date(0), ...(query.before ? { until: query.before } : {}) };
  return { period, query, range };
}

/** Every channel and mailbox: what the command line, run by the admin, may export. */
export async function everythingScope(db: Db): Promise<SearchScope> {
  const mailboxes = await db.mailbox.findMany({ select: { id: true, channelId: true } });
  const channels = new Set([...mailboxes.map((mailbox) => mailbox.channelId), ...(await channelsWithTickets(db))]);
  return { channelIds: [...channels], mailboxIds: mailboxes.map((mailbox) => mailbox.id) };
}

async function namesOf(deps: ExportDeps, userIds: Iterable<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!deps.nameOf) return names;
  await Promise.all(
    [...new Set(userIds)].map(async (id) => {
      const name = await deps.nameOf!(id).catch(() => null);
      if (name) names.set(id, name);
    }),
  );
  return names;
}

/** The tickets and the numbers within the scope (and the one mailbox, when given). */
export async function exportTickets(
  deps: ExportDeps,
  input: { scope: SearchScope; query: SearchQuery; range: ExportRange; mailboxId?: number },
): Promise<ExportResult> {
  const { db } = deps;
  const { scope, range, mailboxId } = input;
  const page = await searchTickets(
    db,
    { ...input.query, active: range, ...(mailboxId === undefined ? {} : { mailboxId }) },
    scope,
    0,
    MAX_EXPORT_TICKETS,
  );
  const truncated = page.more;
  const ids = page.hits.map((hit) => hit.id);
  const rows = [];
  for (let at = 0; at < ids.length; at += DETAIL_BATCH) {
    rows.push(
      ...(await db.ticket.findMany({
        where: { id: { in: ids.slice(at, at + DETAIL_BATCH) } },
        select: {
          id: true,
          number: true,
          subject: true,
          status: true,
          urgency: true,
          tags: true,
          assigneeId: true,
          createdAt: true,
          firstResponseAt: true,
          closedAt: true,
          mailbox: { select: { key: true } },
          customer: { select: { address: true, name: true } },
        },
      })),
    );
  }
  rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
  const where = { ...ticketScopeWhere(scope), ...(mailboxId === undefined ? {} : { mailboxId }) };
  const stats = await statsOf(db, where, range.from, range.until);
  const names = await namesOf(deps, [
    ...rows.flatMap((row) => (row.assigneeId ? [row.assigneeId] : [])),
    ...stats.byAgent.map((agent) => agent.key),
  ]);
  const fallbackZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zoneOf = (key: string) =>
    deps.mailboxes.find((mailbox) => mailbox.key === key)?.businessHours.timeZone ?? fallbackZone;
  const tickets: ExportTicket[] = rows.map((row) => ({
    mailboxKey: row.mailbox.key,
    timeZone: zoneOf(row.mailbox.key),
    number: row.number,
    subject: row.subject,
    customerAddress: row.customer?.address ?? null,
    customerName: row.customer?.name ?? null,
    status: row.status,
    urgency: row.urgency,
    tags: readTags(row.tags),
    assigneeId: row.assigneeId,
    assigneeName: row.assigneeId ? (names.get(row.assigneeId) ?? null) : null,
    receivedAt: row.createdAt,
    firstResponseAt: row.firstResponseAt,
    closedAt: row.closedAt,
  }));
  return { range, tickets, truncated, stats, names };
}

/** `/mail export …` for one person: their channels' mailboxes only. */
export async function answerExport(
  deps: ExportDeps & Pick<SearchDeps, 'members' | 'logger'>,
  input: { userId: string; text: string },
): Promise<ExportAnswer> {
  const request = readExportRequest(input.text, input.userId, deps.now?.() ?? new Date());
  if ('problem' in request) return { kind: 'problem', problem: request.problem };
  const scope = await searchScope(deps, input.userId);
  if (scope.channelIds.length === 0) return { kind: 'no_access' };
  const result = await exportTickets(deps, { scope, query: request.query, range: request.range });
  return { kind: 'export', period: request.period, ...result };
}

export interface ExportFilesInfo {
  tickets: number;
  truncated: boolean;
  files: string[];
  range: ExportRange;
  period: StatsPeriod | null;
}

export type SendExportAnswer =
  | Exclude<ExportAnswer, { kind: 'export' }>
  | ({ kind: 'sent' } & ExportFilesInfo)
  /** Slack would not take the files (its error code). */
  | { kind: 'failed'; code: string };

export type SendExportDeps = ExportDeps & Pick<SearchDeps, 'members' | 'logger'> & { directFiles: DirectFiles };

/** The two files' names: mailroom-tickets-2026-12-05.csv and mailroom-stats-2026-12-05.csv. */
export function exportFileNames(now: Date): { tickets: string; stats: string } {
  const day = now.toISOString().slice(0, 10);
  return { tickets: `mailroom-tickets-${day}.csv`, stats: `mailroom-stats-${day}.csv` };
}

/**
 * `/mail export …`: the tickets and the numbers as two CSV files, shared in the asker's
 * DM with the bot (nobody else sees them). `comment` words the message they come with.
 */
export async function sendExport(
  deps: SendExportDeps,
  input: { userId: string; text: string; comment: (info: ExportFilesInfo, file: 'tickets' | 'stats') => string },
): Promise<SendExportAnswer> {
  const now = deps.now?.() ?? new Date();
  const answer = await answerExport({ ...deps, now: () => now }, input);
  if (answer.kind !== 'export') return answer;
  const names = exportFileNames(now);
  const info: ExportFilesInfo = {
    tickets: answer.tickets.length,
    truncated: answer.truncated,
    files: [names.tickets, names.stats],
    range: answer.range,
    period: answer.period,
  };
  const files = [
    { kind: 'tickets' as const, filename: names.tickets, text: ticketsCsv(answer.tickets) },
    {
      kind: 'stats' as const,
      filename: names.stats,
      text: statsCsv(answer.stats, (id) => answer.names.get(id) ?? null),
    },
  ];
  const failure = await sendDirectFiles(
    deps.directFiles,
    input.userId,
    files.map((file) => {
      const bytes = Buffer.from(file.text, 'utf8');
      return {
        filename: file.filename,
        title: file.filename,
        length: bytes.length,
        chunks: [bytes],
        comment: input.comment(info, file.kind),
      };
    }),
  );
  if (failure) {
    deps.logger.warn(
      { code: 'export_send_failed', userId: input.userId, slackError: failure.code, err: errorMessage(failure.error) },
      'could not send an export',
    );
    return { kind: 'failed', code: failure.code };
  }
  deps.logger.info({ code: 'export_sent', userId: input.userId, tickets: info.tickets }, 'an export sent to the asker');
  return { kind: 'sent', ...info };
}
