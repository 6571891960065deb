/**
 * A ticket's tags, as a team expects them to behave: `VIP`, ` vip ` and `ｖｉｐ` are one
 * tag, `vip`. A tag is read in Unicode's compatibility form (full-width letters and digits
 * as ASCII, half-width katakana as full-width), lower-cased, with its runs of spaces made
 * one and the ends trimmed; what cannot be shown safely on one line (controls, bidi
 * overrides, invisible characters) is taken out, and commas, which separate tags where
 * people type them, and backticks, which would break the code span tags are shown in,
 * become spaces. At most MAX_TAG_CHARS characters, at most MAX_TAGS on a ticket.
 *
 * Stored in Ticket.tags as a JSON array of strings (written by JSON.stringify only), the
 * form `/mail search tag:` matches exactly on both databases.
 */

export const MAX_TAG_CHARS = 40;
export const MAX_TAGS = 20;

/** C0 and C1 controls, line and paragraph separators. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bidi embeddings, overrides, isolates and marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Zero-width and invisible formatting characters. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/g;
/** A surrogate without its other half (not a character; Slack's JSON refuses it). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** What separates tags where people type several (ASCII, full-width and ideographic commas). */
const SEPARATORS = /[,，、]/;

/** The tag as it is stored and shown: '' when nothing is left of it. Not cut to length. */
export function normalizeTag(raw: string): string {
  return raw
    .replace(LONE_SURROGATE, '')
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(CONTROLS, ' ')
    .replace(BIDI, '')
    .replace(INVISIBLE, '')
    .replace(/[`,]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Characters as people count them (a surrogate pair is one). */
export function tagLength(tag: string): number {
  return Array.from(tag).length;
}

/** A tag from configuration (a routing rule): normalised, and cut to MAX_TAG_CHARS rather than refused. */
export function clampTag(raw: string): string {
  const tag = normalizeTag(raw);
  return tagLength(tag) <= MAX_TAG_CHARS ? tag : Array.from(tag).slice(0, MAX_TAG_CHARS).join('').trimEnd();
}

/** The tags, normalised, without empties and repeats, in their order. */
export function uniqueTags(raw: readonly string[]): string[] {
  const tags: string[] = [];
  for (const each of raw) {
    const tag = normalizeTag(each);
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/**
 * A ticket's stored tags (Ticket.tags, JSON text) as a list. Read defensively: anything
 * that is not a JSON array of strings counts as no tags; tags written before they were
 * normalised are read normalised (and cut to MAX_TAG_CHARS).
 */
export function readTags(json: string | null | undefined): string[] {
  if (!json || json === '[]') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  // Cut as a rule's tags are: a menu option holds at most 150 characters.
  return uniqueTags(value.filter((each): each is string => typeof each === 'string').map(clampTag));
}

/** The stored form of a list of tags. */
export function tagsJson(tags: readonly string[]): string {
  return JSON.stringify(tags);
}

/** What someone typed as new tags ("billing, 至急, VIP"): each normalised, and those too long. */
export function parseTagInput(text: string): { tags: string[]; tooLong: string[] } {
  const tags = uniqueTags(text.split(SEPARATORS));
  return {
    tags: tags.filter((tag) => tagLength(tag) <= MAX_TAG_CHARS),
    tooLong: tags.filter((tag) => tagLength(tag) > MAX_TAG_CHARS),
  };
}

/**
 * An edit of a ticket's tags as a change to apply to whatever the ticket has when it is
 * written: the tags `shown` when the editor opened, those `chosen` in it when saved and
 * those `typed` as new. Only what the person changed is changed — a tag they took off is
 * removed, one they put on is added, one they left alone stays as it is then — so two
 * people (or a person and a rule) editing one ticket's tags at once both keep their edits.
 */
export function tagEdit(input: { shown: readonly string[]; chosen: readonly string[]; typed: readonly string[] }): {
  add: string[];
  remove: string[];
} {
  const shown = uniqueTags(input.shown);
  const chosen = uniqueTags(input.chosen);
  const typed = uniqueTags(input.typed);
  const add = uniqueTags([...chosen.filter((tag) => !shown.includes(tag)), ...typed]);
  const remove = shown.filter((tag) => !chosen.includes(tag) && !typed.includes(tag));
  return { add, remove };
}

/** The ticket's tags after the edit (those removed taken out, those added appended), or null when unchanged. */
export function applyTagEdit(
  current: readonly string[],
  edit: { add: readonly string[]; remove: readonly string[] },
): { tags: string[]; added: string[]; removed: string[] } | null {
  const remove = new Set(uniqueTags(edit.remove));
  const tags = current.filter((tag) => !remove.has(tag));
  for (const tag of uniqueTags(edit.add)) {
    if (tagLength(tag) <= MAX_TAG_CHARS && !tags.includes(tag)) tags.push(tag);
  }
  const added = tags.filter((tag) => !current.includes(tag));
  const removed = current.filter((tag) => !tags.includes(tag));
  return added.length || removed.length ? { tags, added, removed } : null;
}
