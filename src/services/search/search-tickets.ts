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
 * - words of 1 or 2 characters (返, 至急) are always checked with instr() / strpos() in the
 *   index row of each candidate, walking the tickets newest first, so the scan stops as
 *   soon as a page is full. That is quick for a common word but reads every row for a
 *   rare one, so a look-up first asks an index which tickets may hold the short words
 *   (`shortWordCandidates`): on SQLite the trigram index through its vocabulary (the
 *   trigrams that begin with the word); on PostgreSQL `search_grams`, a GIN index over the
 *   hashed 1- and 2-character grams of each subject, mail and comment, a row each, kept
 *   by triggers, so a new mail writes only its own (a per-ticket gram index, rewritten on
 *   every mail, made ingest ~20 times slower). When that is at most `MAX_CANDIDATES` tickets
 *   (documents, on PostgreSQL), the page is read from those tickets alone; a word in no
 *   ticket answers at once;
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

/**
 * A rare short word is served from the ids its index look-up returns; past this many
 * tickets (on PostgreSQL, documents) the word is common enough for the newest-first walk
 * to fill a page quickly.
 */
export const MAX_CANDIDATES = 1000;
/**
 * On SQLite, a short word whose trigrams (those that begin with it) are more than this many,
 * or are in more index rows than `MAX_TRIGRAM_ROWS` together, is left to the walk: the
 * OR of that many trigrams costs more than the walk does for a word that common.
 */
const MAX_TRIGRAMS = 300;
const MAX_TRIGRAM_ROWS = 20_000;

/** The smallest string after every string that begins with `prefix` (code point order, as UTF-8 bytes compare). */
function prefixEnd(prefix: string): string | null {
  const points = Array.from(prefix);
  const last = points.pop()!.codePointAt(0)!;
  if (last === 0x10ffff) return null;
  // No surrogate code points in a string: past D7FF comes E000.
  return points.join('') + String.fromCodePoint(last + 1 === 0xd800 ? 0xe000 : last + 1);
}

/** SQLite: the FTS5 expression matching rows that contain `term` (1–2 characters), or null when it is too common to be worth it. */
async function trigramsOf(db: Db, term: string): Promise<string | null> {
  const end = prefixEnd(term);
  const rows = await db.$queryRawUnsafe<{ term: string; doc: number | bigint }[]>(
    `SELECT "term", "doc" FROM "search_index_vocab" WHERE "term" >= ?${end === null ? '' : ' AND "term" < ?'} LIMIT ${MAX_TRIGRAMS + 1}`,
    ...(end === null ? [term] : [term, end]),
  );
  const trigrams = rows.filter((row) => row.term.startsWith(term));
  const docs = trigrams.reduce((sum, row) => sum + Number(row.doc), 0);
  if (trigrams.length > MAX_TRIGRAMS || docs > MAX_TRIGRAM_ROWS) return null;
  // No trigram begins with the word: no ticket holds it (the texts end in two line breaks,
  // so even their last character begins one). An empty OR is not FTS5 syntax.
  if (trigrams.length === 0) return '';
  return `(${trigrams.map((row) => ftsPhrase(row.term)).join(' OR ')})`;
}

/** SQLite: the tickets whose index rows hold every short word of `short` that the trigram vocabulary can look up. */
async function trigramCandidates(db: Db, short: readonly string[], inComments: boolean): Promise<number[] | null> {
  const groups: string[] = [];
  for (const term of short) {
    const group = await trigramsOf(db, term);
    if (group === '') return [];
    if (group !== null) groups.push(inComments ? `"comments" : ${group}` : group);
  }
  if (groups.length === 0) return null;
  const rows: { id: number | bigint }[] = await db.$queryRawUnsafe(`SELECT "rowid" AS "id" FROM "search_index" WHERE "search_index" MATCH ? LIMIT ${MAX_CANDIDATES + 1}`, groups.join(' AND '));
  return rows.length > MAX_CANDIDATES ? null : rows.map((row) => Number(row.id));
}

/**
 * PostgreSQL: the tickets with a document (subject, mail, comment) whose grams hold
 * `term`, or null when more than `MAX_CANDIDATES` documents do: then the walk finds a page
 * of it within a few thousand tickets. `search_gram_tickets` (the `search_grams`
 * migration) keeps a common word cheap: the statistics tell it apart before the index is read.
 */
async function gramTickets(db: Db, term: string, inComments: boolean): Promise<Set<number> | null> {
  const [row] = await db.$queryRawUnsafe<{ ids: number[] | null }[]>(`SELECT "search_gram_tickets"($1, $2, $3) AS "ids"`, term, inComments, MAX_CANDIDATES);
  return row?.ids ? new Set(row.ids.map(Number)) : null;
}

/**
 * PostgreSQL: words the grams may miss, left to the walk. Grams are taken per document
 * and the index row joins documents with line breaks, so a word holding one may span two
 * documents; and the pairs holding chr(1) are lost in the making (the `search_grams`
 * migration says why). Any control character, to say it simply.
 */
const NOT_IN_GRAMS = /[\u0000-\u001f]/;

/** PostgreSQL: the tickets that may hold every short word of `short` that is rare enough to look up. */
async function gramCandidates(db: Db, short: readonly string[], inComments: boolean): Promise<number[] | null> {
  const sets: Set<number>[] = [];
  for (const term of short) {
    if (NOT_IN_GRAMS.test(term)) continue;
    const ids = await gramTickets(db, term, inComments);
    if (ids?.size === 0) return [];
    if (ids) sets.push(ids);
  }
  if (sets.length === 0) return null;
  return [...sets[0]!].filter((id) => sets.every((set) => set.has(id)));
}

/**
 * The ids of the tickets whose index rows may hold every short word (1–2 characters) of
 * the query that an index can look up — a superset of the results, as the words are
 * checked again in the page's query — or null when there is no such word or the tickets
 * are more than `MAX_CANDIDATES` (then the walk finds a page sooner). An empty list: no
 * ticket holds them.
 */
export async function shortWordCandidates(db: Db, query: SearchQuery): Promise<number[] | null> {
  const short = query.terms.filter((term) => charCount(term) < TRIGRAM);
  if (short.length === 0) return null;
  const inComments = query.inComments === true;
  return providerOfDb(db) === 'sqlite' ? trigramCandidates(db, short, inComments) : gramCandidates(db, short, inComments);
}

type Row = Omit<SearchHit, 'lastMessageAt' | 'createdAt'> & { lastMessageAt: Date | string | number; createdAt: Date | string | number };

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

/** The SQL of one page of results (exported for EXPLAIN in the benchmark). */
export function searchStatement(
  provider: 'sqlite' | 'postgresql',
  query: SearchQuery,
  scope: SearchScope,
  offset: number,
  pageSize: number,
  /** From `shortWordCandidates`: the page is read from these tickets alone. */
  candidates: readonly number[] | null = null,
): { text: string; params: unknown[] } {
  const sql = new Statement(provider);
  const access: string[] = [];
  // coalesce() keeps SQLite from an index OR over channel and mailbox, which would sort
  // every accessible ticket; the walk down lastMessageAt stops after a page instead.
  if (scope.channelIds.length) access.push(`coalesce(t."slackChannelId", '') IN (${sql.list(scope.channelIds)})`);
  if (scope.mailboxIds.length) access.push(`(t."slackChannelId" IS NULL AND t."mailboxId" IN (${sql.list(scope.mailboxIds)}))`);
  const where = [`t."junk" = false`, `(${access.join(' OR ')})`, ...filterConditions(sql, query), ...termConditions(sql, query)];
  if (candidates !== null) where.push(candidates.length ? `t."id" IN (${sql.list(candidates)})` : 'false');
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
  const candidates = await shortWordCandidates(db, query);
  if (candidates?.length === 0) return { hits: [], offset, more: false };
  const { text, params } = searchStatement(providerOfDb(db), query, scope, offset, pageSize, candidates);
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
