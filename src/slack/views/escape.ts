import { escapeMrkdwn } from '../../domain/mrkdwn.js';

/** Escaping mail text for mrkdwn lives in the domain (it decides what fits): see mrkdwn.ts. */
export { escapeMrkdwn };

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The last place at or before `at` where `text` can be cut without splitting a character:
 * never inside a surrogate pair (a lone `\ud83d` is refused by Slack's JSON or shown as
 * garbage) nor, where the segmenter sees it, inside a cluster such as 👩‍💻 or が.
 */
export function characterCut(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const from = Math.max(0, at - 32);
  let cut = from;
  for (const { index } of graphemes.segment(text.slice(from, at + 32))) {
    if (from + index > at) break;
    cut = from + index;
  }
  // The window may have started inside a cluster: still never split a surrogate pair.
  if (cut === from && cut > 0 && /[\uDC00-\uDFFF]/.test(text[cut] ?? '')) cut -= 1;
  return cut;
}

/** Cuts text to `max` characters (UTF-16 units, as Slack counts), marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, characterCut(text, max - 1))}…`;
}

/**
 * Where to cut escaped text at or before `at` without splitting an escape such as
 * `&amp;` (which would show as "&am" in Slack).
 */
export function safeCutIndex(escaped: string, at: number): number {
  const amp = escaped.lastIndexOf('&', at);
  return amp !== -1 && amp > at - 5 && escaped.indexOf(';', amp) >= at ? amp : characterCut(escaped, at);
}

/**
 * Escapes, then cuts to `max` characters (marking the cut) without splitting an escape:
 * cutting before escaping would let 700 "&"s grow into 3,500 characters.
 */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  return escaped.length <= max ? escaped : `${escaped.slice(0, safeCutIndex(escaped, max - 1))}…`;
}

/**
 * A link in mrkdwn, or the label alone when there is no address. The label must already
 * be escaped; a `|` in it would end the link's label early, so it is shown as `¦`.
 */
export function mrkdwnLink(url: string | null | undefined, label: string): string {
  return url ? `<${url}|${label.replace(/\|/g, '¦')}>` : label;
}

/** A ticket's number (`#12`), linked to its thread when the link is known. */
export function ticketReference(number: number, link: string | null | undefined): string {
  return mrkdwnLink(link, `#${number}`);
}
