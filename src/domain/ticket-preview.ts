/**
 * What the ticket message shows of a mail's text: the customer's own words (the quoted
 * history and signature are left for the thread), escaped, cut at PREVIEW_CHARS. Ingest
 * asks whether that is the whole text (then no thread copy is needed); the view shows it.
 */
import { escapeMrkdwn } from './mrkdwn.js';
import { splitQuote } from './split-quote.js';

export const PREVIEW_CHARS = 700;

export function ticketPreviewText(text: string): string {
  return splitQuote(text).main.trim() || text;
}

/**
 * The ticket message shows the whole text: nothing quoted or signed below it, nothing cut.
 * Such a mail needs no copy of its text in the thread (one Slack message per mail).
 */
export function ticketPreviewShowsWhole(text: string): boolean {
  const whole = text.trim();
  return ticketPreviewText(text).trim() === whole && escapeMrkdwn(whole).length <= PREVIEW_CHARS;
}
