/**
 * The HTML part of a reply, written from the same pieces as its text part (replyParts):
 * the reply's paragraphs, the signature, and the customer's mail as a <blockquote>. Every
 * character comes from people or from mail, so all of it is escaped: a `<script>` in the
 * customer's mail is shown as text in the quote, never run or rendered. Pure.
 */
import { replyParts, type ReplySource } from './compose-reply.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/** Lines of text as HTML: escaped, each line break kept. */
function withBreaks(lines: readonly string[]): string {
  return lines.map(escapeHtml).join('<br>\n');
}

/** Paragraphs (separated by blank lines) as <p>, their line breaks as <br>. */
function paragraphs(text: string): string {
  return text
    .split(/\n[ \t]*\n/)
    .filter((paragraph) => paragraph.trim() !== '')
    .map((paragraph) => `<p style="margin:0 0 1em 0">${withBreaks(paragraph.split('\n'))}</p>`)
    .join('\n');
}

const QUOTE_STYLE = 'margin:0 0 0 0.8ex;border-left:1px solid #ccc;padding-left:1ex';

export function replyHtml(input: ReplySource): string {
  const { body, signature, quote, forwarded } = replyParts(input);
  const pieces = [paragraphs(body)].filter((piece) => piece !== '');
  if (signature) pieces.push(`<div class="mailroom-signature">${withBreaks(signature.split('\n'))}</div>`);
  if (forwarded) {
    pieces.push(
      `<div class="mailroom-forwarded">${withBreaks(forwarded.headers)}<br>\n<br>\n${withBreaks(forwarded.lines)}</div>`,
    );
  }
  if (quote) {
    pieces.push(
      `<div>${escapeHtml(quote.attribution)}</div>`,
      `<blockquote type="cite" style="${QUOTE_STYLE}">${withBreaks(quote.lines)}</blockquote>`,
    );
  }
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head><body>',
    pieces.join('\n<br>\n'),
    '</body></html>',
    '',
  ].join('\n');
}
