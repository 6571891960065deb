/**
 * What `/mail search …` asks for: words (every one must occur, as a substring, in the
 * ticket's subject, mail text or comments; "double quotes" keep spaces in one word) and
 * filters. Pure: the text in, the query or what is wrong with it out.
 */
import { MAX_TAG_CHARS, normalizeTag, tagLength } from './tags.js';
import { URGENCIES, type Urgency } from './ticket-fields.js';

export interface SearchQuery {
  /** Words (A–Z lower-cased), each matched as a substring, ignoring case. */
  terms: string[];
  from?: string;
  to?: string;
  status?: string;
  /** A Slack user id, or null for `assignee:none`. */
  assignee?: string | null;
  urgency?: Urgency;
  /** Tickets created before this instant (start of the given UTC day). */
  before?: Date;
  /** Tickets created on or after this instant (start of the given UTC day). */
  after?: Date;
  hasAttachment?: boolean;
  /** Words are looked for in internal comments only. */
  inComments?: boolean;
  /** Tags the ticket must have, each exactly (normalised as tags are: domain/tags.ts). */
  tags?: string[];
  /**
   * Not typed by people: `/mail export`'s period. Tickets created or closed on or after
   * `from` (and before `until`), as `/mail stats` counts them.
   */
  active?: { from: Date; until?: Date };
  /** Not typed by people: `npm run export -- --mailbox KEY`'s mailbox (its id), within the scope. */
  mailboxId?: number;
}

export type SearchProblem =
  | { kind: 'empty' }
  | { kind: 'bad_date'; filter: 'before' | 'after'; value: string }
  | { kind: 'bad_urgency'; value: string }
  | { kind: 'bad_assignee'; value: string }
  | { kind: 'bad_has'; value: string }
  | { kind: 'bad_in'; value: string }
  | { kind: 'bad_tag'; value: string };

/** Longest query text taken (it travels in the paging buttons' values, at most 2000). */
export const MAX_QUERY_CHARS = 500;
/** Words shorter than this (in characters) cannot use a trigram index. */
export const TRIGRAM = 3;

const URGENCY_WORDS: Record<string, Urgency> = { 通常: 'normal', 至急: 'urgent', 大至急: 'critical' };

/** The query's words and key:value pairs, "quoted" words kept whole. */
function tokens(text: string): string[] {
  const found: string[] = [];
  const pattern = /(\S+?:)?"([^"]*)"|\S+/g;
  for (const match of text.matchAll(pattern)) {
    found.push(match[2] !== undefined ? `${match[1] ?? ''}${match[2]}` : match[0]);
  }
  return found.filter((token) => token.length > 0);
}

/** The start of the UTC day YYYY-MM-DD, or null when it is no such day. */
export function readDay(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCDate() === Number(match[3]) && date.getUTCMonth() === Number(match[2]) - 1 ? date : null;
}

/** Reads the query. `userId` stands for `assignee:me`. */
export function parseSearchQuery(text: string, userId: string): { query: SearchQuery } | { problem: SearchProblem } {
  const query: SearchQuery = { terms: [] };
  const unwrapped = typedText(text.slice(0, MAX_QUERY_CHARS));
  for (const token of tokens(unwrapped)) {
    const colon = token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? token.slice(colon + 1) : '';
    if (colon > 0 && value !== '') {
      switch (key) {
        case 'from':
          query.from = value.toLowerCase();
          continue;
        case 'to':
          query.to = value.toLowerCase();
          continue;
        case 'status':
          query.status = value.toLowerCase();
          continue;
        case 'assignee': {
          const mention = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(value);
          if (value.toLowerCase() === 'me') query.assignee = userId;
          else if (value.toLowerCase() === 'none') query.assignee = null;
          else if (mention) query.assignee = mention[1]!;
          else if (/^[UW][A-Z0-9]{2,}$/.test(value)) query.assignee = value;
          else return { problem: { kind: 'bad_assignee', value } };
          continue;
        }
        case 'urgency': {
          const urgency = URGENCY_WORDS[value] ?? value.toLowerCase();
          if (!(URGENCIES as readonly string[]).includes(urgency)) return { problem: { kind: 'bad_urgency', value } };
          query.urgency = urgency as Urgency;
          continue;
        }
        case 'before':
        case 'after': {
          const date = readDay(value);
          if (!date) return { problem: { kind: 'bad_date', filter: key, value } };
          query[key] = date;
          continue;
        }
        case 'has':
          if (!/^attachments?$/i.test(value)) return { problem: { kind: 'bad_has', value } };
          query.hasAttachment = true;
          continue;
        case 'in':
          if (!/^comments?$/i.test(value)) return { problem: { kind: 'bad_in', value } };
          query.inComments = true;
          continue;
        case 'tag': {
          // `tag:VIP` and `tag:"two words"` find the tags vip and two words (each one given must be on the ticket).
          const tag = normalizeTag(value);
          if (!tag || tagLength(tag) > MAX_TAG_CHARS) return { problem: { kind: 'bad_tag', value } };
          query.tags = [...new Set([...(query.tags ?? []), tag])];
          continue;
        }
        default:
        // Not a filter ("Re:", "注文番号:123"): an ordinary word.
      }
    }
    const term = foldCase(token);
    if (!query.terms.includes(term)) query.terms.push(term);
  }
  const filtered = Object.keys(query).length > 1;
  if (query.terms.length === 0 && !filtered) return { problem: { kind: 'empty' } };
  return { query };
}

/**
 * Lower-cases A–Z only, as the search index is (SQLite's lower() and the PostgreSQL
 * index's translate() fold ASCII alone), so both databases match exactly the same.
 */
export function foldCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * What the person typed. The command is escaped (manifest.yml `should_escape`): Slack sends
 * a typed address or link as <mailto:a@b|a@b> or <http://example.jp|example.jp>; mentions
 * (<@U…|name>) are left as they are, for assignee:.
 */
export function typedText(text: string): string {
  return text.replace(
    /<(?:mailto:|https?:\/\/)([^|<>]+)(?:\|([^<>]*))?>/g,
    (_whole, target: string, label?: string) => label ?? target,
  );
}

/** Characters as people count them (a surrogate pair is one). */
export function charCount(term: string): number {
  return Array.from(term).length;
}

/** `%term%` for LIKE, with LIKE's own characters escaped by a backslash. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
