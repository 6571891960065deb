/**
 * Finds tickets for `/mail search`. One SQL query per page, written for each provider
 * over the `search_index` table the migrations keep by trigger (one row per ticket: the
 * subjects and texts of its mails in `body`, its live comments in `comments`):
 *
 * - the index text is lower-cased (A–Z only) and so are the words: matching is exact on
 *   both databases, so they give the same answers;
 * - words of 3+ characters use the trigram index: FTS5 `MATCH "word"` on SQLite (its
 *   trigram tokenizer matches substrings), `LIKE '%word%'` over a pg_trgm GIN index on
 *   PostgreSQL;
 * - words of 1 or 2 characters (返, 至急) have no trigram: they are looked for with
 *   instr() / strpos() in the index row of each candidate, walking the tickets newest
 *   first, so the scan stops as soon as a page is full;
 * - every word must occur (AND) as a substring.
 *
 * Results are ordered by the ticket's latest mail, newest first (ties by id). Junk is
 * left out, and so is every ticket whose channel the user is not a member of.
 */
import { providerOfDb, type Db } from '../../db/client.js';
import { charCount, foldCase, likePattern, TRIGRAM, type SearchQuery } from '../../domain/search-query.js';

export const PAGE_SIZE = 10;

export interface SearchHit {
  id: number;
  mailboxId: number;
  number: number;
  subject: string;
  status: string;
  urgency: string;
  assigneeId: string | null;
  slackChannelId: string | null;
  slackTs: string | null;
  lastMessageAt: Date;
  createdAt: Date;
}

export interface SearchPage {
  hits: SearchHit[];
  offset: number;
  /** More results after this page. */
  more: boolean;
}

/** Where the user may look: channels they are in, and the mailboxes those channels work. */
export interface SearchScope {
  channelIds: string[];
  mailboxIds: number[];
}

/** Placeholders and parameters for one statement. */
class Statement {
  readonly params: unknown[] = [];
  constructor(readonly provider: 'sqlite' | 'postgresql') {}
  param(value: unknown): string {
    this.params.push(value);
    return this.provider === 'sqlite' ? '?' : `$${this.params.length}`;
  }
  list(values: readonly unknown[]): string {
    return values.map((value) => this.param(value)).join(', ');
  }
}

/** An FTS5 string: the word in double quotes (doubled inside). */
function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

function termConditions(sql: Statement, query: SearchQuery): string[] {
  const sqlite = sql.provider === 'sqlite';
  const find = sqlite ? 'instr' : 'strpos';
  const columns = query.inComments ? ['"comments"'] : ['"body"', '"comments"'];
  const long = query.terms.filter((term) => charCount(term) >= TRIGRAM);
  const short = query.terms.filter((term) => charCount(term) < TRIGRAM);
  const conditions: string[] = [];
  if (long.length) {
    if (sqlite) {
      const match = long.map((term) => (query.inComments ? `"comments" : ${ftsPhrase(term)}` : ftsPhrase(term))).join(' AND ');
      conditions.push(`t."id" IN (SELECT "rowid" FROM "search_index" WHERE "search_index" MATCH ${sql.param(match)})`);
    } else {
      const each = long.map((term) => `(${columns.map((column) => `${column} LIKE ${sql.param(likePattern(term))}`).join(' OR ')})`);
      conditions.push(`t."id" IN (SELECT "ticket_id" FROM "search_index" WHERE ${each.join(' AND ')})`);
    }
  }
  if (short.length) {
    const key = sqlite ? '"rowid"' : '"ticket_id"';
    // One placeholder per use: SQLite's `?` takes one value each.
    const each = short.map((term) => `(${columns.map((column) => `${find}(s.${column}, ${sql.param(term)}) > 0`).join(' OR ')})`);
    conditions.push(`EXISTS (SELECT 1 FROM "search_index" s WHERE s.${key} = t."id" AND ${each.join(' AND ')})`);
  }
  if (query.inComments && query.terms.length === 0) {
    conditions.push(`EXISTS (SELECT 1 FROM "Comment" c WHERE c."ticketId" = t."id" AND c."deletedAt" IS NULL)`);
  }
  return conditions;
}

function filterConditions(sql: Statement, query: SearchQuery): string[] {
  const conditions: string[] = [];
  if (query.from !== undefined) {
    conditions.push(
      `EXISTS (SELECT 1 FROM "Message" m WHERE m."ticketId" = t."id" AND m."direction" = 'in' AND lower(coalesce(m."fromAddress", '')) LIKE ${sql.param(likePattern(query.from))} ESCAPE '\\')`,
    );
  }
  if (query.to !== undefined) {
    conditions.push(
      `EXISTS (SELECT 1 FROM "Message" m WHERE m."ticketId" = t."id" AND lower(m."toAddresses" || ' ' || m."ccAddresses") LIKE ${sql.param(likePattern(query.to))} ESCAPE '\\')`,
    );
  }
  if (query.status !== undefined) conditions.push(`t."status" = ${sql.param(query.status)}`);
  if (query.assignee !== undefined) conditions.push(query.assignee === null ? `t."assigneeId" IS NULL` : `t."assigneeId" = ${sql.param(query.assignee)}`);
  if (query.urgency !== undefined) conditions.push(`t."urgency" = ${sql.param(query.urgency)}`);
  if (query.before) conditions.push(`t."createdAt" < ${sql.param(query.before)}`);
  if (query.after) conditions.push(`t."createdAt" >= ${sql.param(query.after)}`);
  if (query.hasAttachment) {
    conditions.push(
      `EXISTS (SELECT 1 FROM "Message" m JOIN "Attachment" a ON a."messageId" = m."id" WHERE m."ticketId" = t."id" AND a."inline" = false)`,
    );
  }
  return conditions;
}

type Row = Omit<SearchHit, 'lastMessageAt' | 'createdAt'> & { lastMessageAt: Date | string | number; createdAt: Date | string | number };

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

/** The SQL of one page of results (exported for EXPLAIN in the benchmark). */
export function searchStatement(provider: 'sqlite' | 'postgresql', query: SearchQuery, scope: SearchScope, offset: number, pageSize: number): { text: string; params: unknown[] } {
  const sql = new Statement(provider);
  const access: string[] = [];
  // coalesce() keeps SQLite from an index OR over channel and mailbox, which would sort
  // every accessible ticket; the walk down lastMessageAt stops after a page instead.
  if (scope.channelIds.length) access.push(`coalesce(t."slackChannelId", '') IN (${sql.list(scope.channelIds)})`);
  if (scope.mailboxIds.length) access.push(`(t."slackChannelId" IS NULL AND t."mailboxId" IN (${sql.list(scope.mailboxIds)}))`);
  const where = [`t."junk" = false`, `(${access.join(' OR ')})`, ...filterConditions(sql, query), ...termConditions(sql, query)];
  const text = `SELECT t."id", t."mailboxId", t."number", t."subject", t."status", t."urgency", t."assigneeId", t."slackChannelId", t."slackTs", t."lastMessageAt", t."createdAt"
FROM "Ticket" t
WHERE ${where.join('\n  AND ')}
ORDER BY t."lastMessageAt" DESC, t."id" DESC
LIMIT ${sql.param(pageSize + 1)} OFFSET ${sql.param(offset)}`;
  return { text, params: sql.params };
}

/** One page of the tickets matching the query within the scope. */
export async function searchTickets(db: Db, query: SearchQuery, scope: SearchScope, offset = 0, pageSize = PAGE_SIZE): Promise<SearchPage> {
  if (scope.channelIds.length === 0 && scope.mailboxIds.length === 0) return { hits: [], offset, more: false };
  const { text, params } = searchStatement(providerOfDb(db), query, scope, offset, pageSize);
  const rows = await db.$queryRawUnsafe<Row[]>(text, ...params);
  const hits = rows.slice(0, pageSize).map((row) => ({
    ...row,
    id: Number(row.id),
    mailboxId: Number(row.mailboxId),
    number: Number(row.number),
    lastMessageAt: toDate(row.lastMessageAt),
    createdAt: toDate(row.createdAt),
  }));
  return { hits, offset, more: rows.length > pageSize };
}

/**
 * A line of text around the first word found in each ticket (its mails first, then its
 * comments), read from the mails and comments as written, for the result list.
 */
export async function searchSnippets(db: Db, ticketIds: readonly number[], terms: readonly string[], inComments = false, width = 60): Promise<Map<number, string>> {
  const snippets = new Map<number, string>();
  if (ticketIds.length === 0 || terms.length === 0) return snippets;
  const [messages, comments] = await Promise.all([
    inComments ? [] : db.message.findMany({ where: { ticketId: { in: [...ticketIds] } }, orderBy: { id: 'asc' }, select: { ticketId: true, subject: true, text: true } }),
    db.comment.findMany({ where: { ticketId: { in: [...ticketIds] }, deletedAt: null }, orderBy: { id: 'asc' }, select: { ticketId: true, text: true } }),
  ]);
  const texts = [
    ...messages.map((message) => ({ ticketId: message.ticketId!, text: `${message.subject ?? ''}\n${(message.text ?? '').slice(0, 20_000)}` })),
    ...comments.map((comment) => ({ ticketId: comment.ticketId, text: comment.text })),
  ];
  for (const { ticketId, text } of texts) {
    if (snippets.has(ticketId)) continue;
    const folded = foldCase(text);
    const at = terms.map((term) => folded.indexOf(term)).filter((index) => index >= 0).sort((a, b) => a - b)[0];
    if (at === undefined) continue;
    const start = Math.max(0, at - width);
    const piece = text.slice(start, at + width * 2).replace(/\s+/g, ' ').trim();
    snippets.set(ticketId, `${start > 0 ? '…' : ''}${piece}${at + width * 2 < text.length ? '…' : ''}`);
  }
  return snippets;
}
