/**
 * Finds tickets for `/mail search`. One SQL query per page, written for each provider
 * over the `search_docs` table the migrations keep by trigger: one row per document — a
 * ticket's subject, each of its mails (subject and text), each live comment — with its
 * ticket id. A mail added to a ticket writes its own row and nothing else, so its cost
 * does not grow with the ticket (the index used to hold one row per ticket, rebuilt from
 * every mail on each new one: the 240th 20 KB mail of a ticket took ~200 ms to commit on
 * SQLite, ~750 ms on PostgreSQL; bench/flood-one-ticket.ts).
 *
 * - the index text is lower-cased (A–Z only) and so are the words: matching is exact on
 *   both databases, so they give the same answers;
 * - every word must occur (AND) as a substring in some document of the ticket, each word
 *   in a document of its own if need be (in comments only for `in:comments`): a condition
 *   per word;
 * - words of 3+ characters use the trigram index: FTS5 `MATCH "word"` on SQLite (its
 *   trigram tokenizer matches substrings), `LIKE '%word%'` over a pg_trgm GIN index on
 *   PostgreSQL;
 * - words of 1 or 2 characters (返, 至急) are always checked with instr() / strpos() in the
 *   documents of each candidate (read through the index on ticket id), walking the tickets
 *   newest first, so the scan stops as soon as a page is full. That is quick for a common
 *   word but reads every document for a rare one, so a look-up first asks an index which
 *   tickets may hold the short words (`shortWordCandidates`): on SQLite the trigram index
 *   through its vocabulary (the trigrams that begin with the word); on PostgreSQL
 *   `search_grams`, a GIN index over the hashed 1- and 2-character grams of each
 *   document. When each word is in at most `MAX_CANDIDATES` documents, the page is read
 *   from the tickets holding all of them alone; a word in no document answers at once.
 *
 * Every reader here first writes into the index what the mail ingest left pending
 * (search-index.ts): a search finds every committed mail.
 *
 * Results are ordered by the ticket's latest mail, newest first (ties by id). Junk is
 * left out, and so is every ticket whose channel the user is not a member of.
 */
import { providerOfDb, type Db } from '../client.js';
import { indexAllPendingSearchDocs } from '../search-index.js';
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

/**
 * SQLite: the documents `d` as read by id, for the ticket of each one the trigram index
 * finds, through an index of (id, ticket id): through the table, which holds the text,
 * each look-up read a page (the `search_documents` migration).
 */
const DOCS_BY_ID = '"search_docs" d INDEXED BY "search_docs_id_ticket"';

/** Restricts the documents `d` to comments for `in:comments`. */
function kindCondition(inComments: boolean | undefined): string {
  return inComments ? ` AND d."kind" = 'c'` : '';
}

function termConditions(sql: Statement, query: SearchQuery): string[] {
  const sqlite = sql.provider === 'sqlite';
  const kind = kindCondition(query.inComments);
  const conditions = query.terms.map((term) => {
    if (charCount(term) < TRIGRAM) {
      return `EXISTS (SELECT 1 FROM "search_docs" d WHERE d."ticket_id" = t."id"${kind} AND ${sqlite ? 'instr' : 'strpos'}(d."body", ${sql.param(term)}) > 0)`;
    }
    const holding = sqlite
      ? `${DOCS_BY_ID} WHERE d."id" IN (SELECT "rowid" FROM "search_docs_fts" WHERE "search_docs_fts" MATCH ${sql.param(ftsPhrase(term))})`
      : `"search_docs" d WHERE d."body" LIKE ${sql.param(likePattern(term))}`;
    return `t."id" IN (SELECT d."ticket_id" FROM ${holding}${kind})`;
  });
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
  if (query.mailboxId !== undefined) conditions.push(`t."mailboxId" = ${sql.param(query.mailboxId)}`);
  if (query.status !== undefined) conditions.push(`t."status" = ${sql.param(query.status)}`);
  if (query.assignee !== undefined)
    conditions.push(
      query.assignee === null ? `t."assigneeId" IS NULL` : `t."assigneeId" = ${sql.param(query.assignee)}`,
    );
  if (query.urgency !== undefined) conditions.push(`t."urgency" = ${sql.param(query.urgency)}`);
  if (query.before) conditions.push(`t."createdAt" < ${sql.param(query.before)}`);
  if (query.after) conditions.push(`t."createdAt" >= ${sql.param(query.after)}`);
  if (query.active) {
    const { from, until } = query.active;
    const within = (column: string) =>
      `(t."${column}" >= ${sql.param(from)}${until ? ` AND t."${column}" < ${sql.param(until)}` : ''})`;
    conditions.push(`(${within('createdAt')} OR ${within('closedAt')})`);
  }
  // Ticket.tags is a JSON array of strings: each tag asked for must be one of its elements,
  // exactly (both sides normalised alike, domain/tags.ts), read as JSON on both databases.
  for (const tag of query.tags ?? []) {
    conditions.push(
      sql.provider === 'sqlite'
        ? `EXISTS (SELECT 1 FROM json_each(t."tags") j WHERE j."value" = ${sql.param(tag)})`
        : `t."tags"::jsonb @> jsonb_build_array(${sql.param(tag)}::text)`,
    );
  }
  if (query.hasAttachment) {
    conditions.push(
      `EXISTS (SELECT 1 FROM "Message" m JOIN "Attachment" a ON a."messageId" = m."id" WHERE m."ticketId" = t."id" AND a."inline" = false)`,
    );
  }
  return conditions;
}

/**
 * A short word in at most this many documents is served from the tickets its index
 * look-up returns; a word in more is common enough for the newest-first walk to fill a
 * page quickly.
 */
export const MAX_CANDIDATES = 1000;
/**
 * On SQLite, a short word whose trigrams (those that begin with it) are more than this many,
 * or are in more documents than `MAX_TRIGRAM_ROWS` together, is left to the walk: the
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

/** SQLite: the trigrams that begin with `term` (1–2 characters), or null when it is too common to be worth it. */
async function trigramsOf(db: Db, term: string): Promise<string[] | null> {
  const end = prefixEnd(term);
  const rows = await db.$queryRawUnsafe<{ term: string; doc: number | bigint }[]>(
    `SELECT "term", "doc" FROM "search_docs_vocab" WHERE "term" >= ?${end === null ? '' : ' AND "term" < ?'} LIMIT ${MAX_TRIGRAMS + 1}`,
    ...(end === null ? [term] : [term, end]),
  );
  const trigrams = rows.filter((row) => row.term.startsWith(term));
  const docs = trigrams.reduce((sum, row) => sum + Number(row.doc), 0);
  if (trigrams.length > MAX_TRIGRAMS || docs > MAX_TRIGRAM_ROWS) return null;
  return trigrams.map((row) => row.term);
}

/**
 * SQLite: the tickets with a document holding `term` (1–2 characters), found through the
 * trigram index, or null when it is in too many documents. No trigram beginning with the
 * word: no document holds it (the texts end in two line breaks, so even their last
 * character begins one).
 */
async function trigramTickets(db: Db, term: string, inComments: boolean): Promise<Set<number> | null> {
  const trigrams = await trigramsOf(db, term);
  if (trigrams === null) return null;
  if (trigrams.length === 0) return new Set();
  const rows = await db.$queryRawUnsafe<{ id: number | bigint }[]>(
    `SELECT d."ticket_id" AS "id" FROM ${DOCS_BY_ID} WHERE d."id" IN (SELECT "rowid" FROM "search_docs_fts" WHERE "search_docs_fts" MATCH ?)${kindCondition(inComments)} LIMIT ${MAX_CANDIDATES + 1}`,
    trigrams.map(ftsPhrase).join(' OR '),
  );
  return rows.length > MAX_CANDIDATES ? null : new Set(rows.map((row) => Number(row.id)));
}

/**
 * PostgreSQL: words the grams may miss, left to the walk: the documents end in two line
 * breaks that their grams do not hold, and the pairs holding chr(1) are lost in the making
 * (the `search_grams` migration says why). Any control character, to say it simply.
 */
const NOT_IN_GRAMS = /[\u0000-\u001f]/;

/**
 * PostgreSQL: the tickets with a document (subject, mail, comment) whose grams hold
 * `term`, or null when more than `MAX_CANDIDATES` documents do: then the walk finds a page
 * of it within a few thousand tickets. `search_gram_tickets` (the `search_grams`
 * migration) keeps a common word cheap: the statistics tell it apart before the index is read.
 */
async function gramTickets(db: Db, term: string, inComments: boolean): Promise<Set<number> | null> {
  if (NOT_IN_GRAMS.test(term)) return null;
  const [row] = await db.$queryRawUnsafe<{ ids: number[] | null }[]>(
    `SELECT "search_gram_tickets"($1, $2, $3) AS "ids"`,
    term,
    inComments,
    MAX_CANDIDATES,
  );
  return row?.ids ? new Set(row.ids.map(Number)) : null;
}

/**
 * The ids of the tickets that may hold every short word (1–2 characters) of the query
 * that an index can look up — a superset of the results, as the words are checked again
 * in the page's query — or null when there is no such word (none, or each in more than
 * `MAX_CANDIDATES` documents: then the walk finds a page sooner). An empty list: no
 * ticket holds them. Each word is looked up alone, as it may be in another document of
 * the ticket than the others.
 */
export async function shortWordCandidates(db: Db, query: SearchQuery): Promise<number[] | null> {
  await indexAllPendingSearchDocs(db);
  const short = query.terms.filter((term) => charCount(term) < TRIGRAM);
  const inComments = query.inComments === true;
  const lookUp = providerOfDb(db) === 'sqlite' ? trigramTickets : gramTickets;
  const sets: Set<number>[] = [];
  for (const term of short) {
    const ids = await lookUp(db, term, inComments);
    if (ids?.size === 0) return [];
    if (ids) sets.push(ids);
  }
  if (sets.length === 0) return null;
  return [...sets[0]!].filter((id) => sets.every((set) => set.has(id)));
}

type Row = Omit<SearchHit, 'lastMessageAt' | 'createdAt'> & {
  lastMessageAt: Date | string | number;
  createdAt: Date | string | number;
};

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
  if (scope.mailboxIds.length)
    access.push(`(t."slackChannelId" IS NULL AND t."mailboxId" IN (${sql.list(scope.mailboxIds)}))`);
  const where = [
    `t."junk" = false`,
    // A merged ticket's mails are in the one it was merged into, which is found instead.
    `t."mergedIntoId" IS NULL`,
    `(${access.join(' OR ')})`,
    ...filterConditions(sql, query),
    ...termConditions(sql, query),
  ];
  if (candidates !== null) where.push(candidates.length ? `t."id" IN (${sql.list(candidates)})` : 'false');
  const text = `SELECT t."id", t."mailboxId", t."number", t."subject", t."status", t."urgency", t."assigneeId", t."slackChannelId", t."slackTs", t."lastMessageAt", t."createdAt"
FROM "Ticket" t
WHERE ${where.join('\n  AND ')}
ORDER BY t."lastMessageAt" DESC, t."id" DESC
LIMIT ${sql.param(pageSize + 1)} OFFSET ${sql.param(offset)}`;
  return { text, params: sql.params };
}

/** One page of the tickets matching the query within the scope. */
export async function searchTickets(
  db: Db,
  query: SearchQuery,
  scope: SearchScope,
  offset = 0,
  pageSize = PAGE_SIZE,
): Promise<SearchPage> {
  if (scope.channelIds.length === 0 && scope.mailboxIds.length === 0) return { hits: [], offset, more: false };
  // (Brings the index up to date first.)
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

/** The first document of a ticket holding any of the words: a mail before a comment, each kind oldest first. */
async function firstDocument(
  db: Db,
  provider: 'sqlite' | 'postgresql',
  ticketId: number,
  terms: readonly string[],
  inComments: boolean,
): Promise<{ ticketId: number; kind: 'm' | 'c'; id: number } | null> {
  const sql = new Statement(provider);
  const find = provider === 'sqlite' ? 'instr' : 'strpos';
  // Each kind on its own, in the order of the index on (ticket, kind, document): the
  // scan stops at the first document holding a word instead of reading all of them.
  const kinds = inComments ? ['c'] : ['m', 'c'];
  const branches = kinds.map(
    (kind) =>
      `SELECT * FROM (SELECT '${kind}' AS "doc_kind", "doc_id" FROM "search_docs" WHERE "ticket_id" = ${sql.param(ticketId)} AND "kind" = '${kind}'` +
      ` AND (${terms.map((term) => `${find}("body", ${sql.param(term)}) > 0`).join(' OR ')}) ORDER BY "doc_id" LIMIT 1) AS "${kind}"`,
  );
  const [doc] = await db.$queryRawUnsafe<{ doc_kind: 'm' | 'c'; doc_id: number | bigint }[]>(
    `${branches.join(' UNION ALL ')} LIMIT 1`,
    ...sql.params,
  );
  return doc ? { ticketId, kind: doc.doc_kind, id: Number(doc.doc_id) } : null;
}

/**
 * A line of text around the first word found in each ticket (its mails first, then its
 * comments), for the result list. The index finds the document; the line is read from the
 * mail or comment as written (the index holds it lower-cased), one row per ticket.
 */
export async function searchSnippets(
  db: Db,
  ticketIds: readonly number[],
  terms: readonly string[],
  inComments = false,
  width = 60,
): Promise<Map<number, string>> {
  const snippets = new Map<number, string>();
  if (ticketIds.length === 0 || terms.length === 0) return snippets;
  await indexAllPendingSearchDocs(db);
  const provider = providerOfDb(db);
  const found = (
    await Promise.all(ticketIds.map((ticketId) => firstDocument(db, provider, ticketId, terms, inComments)))
  ).filter((doc) => doc !== null);
  const ids = (kind: 'm' | 'c') => found.filter((doc) => doc.kind === kind).map((doc) => doc.id);
  const [messages, comments] = await Promise.all([
    db.message.findMany({ where: { id: { in: ids('m') } }, select: { id: true, subject: true, text: true } }),
    db.comment.findMany({ where: { id: { in: ids('c') } }, select: { id: true, text: true } }),
  ]);
  const texts = new Map<string, string>([
    ...messages.map(
      (message) => [`m${message.id}`, `${message.subject ?? ''}\n${(message.text ?? '').slice(0, 20_000)}`] as const,
    ),
    ...comments.map((comment) => [`c${comment.id}`, comment.text] as const),
  ]);
  for (const doc of found) {
    const text = texts.get(`${doc.kind}${doc.id}`);
    if (text === undefined) continue;
    const folded = foldCase(text);
    const at = terms
      .map((term) => folded.indexOf(term))
      .filter((index) => index >= 0)
      .sort((a, b) => a - b)[0];
    if (at === undefined) continue;
    const start = Math.max(0, at - width);
    const piece = text
      .slice(start, at + width * 2)
      .replace(/\s+/g, ' ')
      .trim();
    snippets.set(doc.ticketId, `${start > 0 ? '…' : ''}${piece}${at + width * 2 < text.length ? '…' : ''}`);
  }
  return snippets;
}
