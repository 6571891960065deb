/**
 * The reply mail, decided from the draft and the customer's mail: addresses, subject
 * (docs/contract.md: the customer's, prefixed once by `Re: `), threading headers, and the text
 * — the reply and its signature, then the customer's text quoted unchanged below an
 * attribution line.
 */
import { randomUUID } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { forwardedBlockLines, type ForwardedHeaders } from './forward-mail.js';
import type { TLocale } from './locale.js';
import { formatAddress, type MailAddress } from './parsed-mail.js';

/** Reads what a person typed into To or Cc: names and addresses, comma- or line-separated. */
export function parseAddressList(text: string): { addresses: MailAddress[]; invalid: string[] } {
  const addresses: MailAddress[] = [];
  const invalid: string[] = [];
  for (const entry of addressparser(text.replace(/[;\n]/g, ','), { flatten: true })) {
    const address = entry.address.trim();
    if (/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(address)) addresses.push({ name: entry.name.trim(), address });
    else if (entry.address || entry.name) invalid.push(entry.address || entry.name);
  }
  return { addresses, invalid };
}

export function formatAddressList(addresses: readonly MailAddress[]): string {
  return addresses.map(formatAddress).join(', ');
}

/** A Message-ID of our own, made once per reply before it is sent. */
export function newMessageId(fromAddress: string): string {
  const domain = fromAddress.split('@')[1] || 'mailroom.invalid';
  return `mailroom.${randomUUID()}@${domain}`;
}

/** Slack-era mailers cap References; the first (thread root) and the latest ones matter. */
const MAX_REFERENCES = 20;

/** References of our reply: the customer's, then the customer's own Message-ID. */
export function replyReferences(original: { messageId: string | null; references: readonly string[] }): string[] {
  const chain = [...original.references, ...(original.messageId ? [original.messageId] : [])];
  const unique = [...new Set(chain)];
  return unique.length <= MAX_REFERENCES ? unique : [unique[0]!, ...unique.slice(-(MAX_REFERENCES - 1))];
}

const ATTRIBUTION: Record<TLocale, (date: string, sender: string) => string> = {
  en: (date, sender) => `On ${date}, ${sender} wrote:`,
  ja: (date, sender) => `${date} ${sender} さんは書きました:`,
};

function formatDate(date: Date, locale: TLocale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  }).format(date);
}

/** What a reply is made of, whichever way it is written out (text here, HTML in reply-html.ts). */
export interface ReplySource {
  body: string;
  /** The signature as sent (variables filled); empty: none. */
  signature?: string;
  original: { text: string | null; from: MailAddress | null; date: Date };
  locale: TLocale;
  timeZone?: string;
  /**
   * A forward: the original is not quoted but sent on below a forwarded-message block
   * with these headers (From, Date, Subject, To), its text unchanged.
   */
  forwarded?: ForwardedHeaders;
}

/** The reply's pieces, line breaks normalised: the text, the signature, and the original with its attribution. */
export interface ReplyParts {
  body: string;
  signature: string;
  quote: { attribution: string; lines: string[] } | null;
  /** A forward's block: its header lines, then the forwarded text's lines (unquoted). */
  forwarded?: { headers: string[]; lines: string[] };
}

const normalised = (text: string | null | undefined) => (text ?? '').replace(/\r\n/g, '\n').trimEnd();

export function replyParts(input: ReplySource): ReplyParts {
  const body = normalised(input.body);
  const signature = normalised(input.signature);
  const originalText = normalised(input.original.text);
  if (input.forwarded) {
    const date = formatDate(input.forwarded.date, input.locale, input.timeZone ?? 'Asia/Tokyo');
    const headers = forwardedBlockLines(input.forwarded, input.locale, date);
    return {
      body,
      signature,
      quote: null,
      forwarded: { headers, lines: originalText ? originalText.split('\n') : [] },
    };
  }
  if (!originalText) return { body, signature, quote: null };
  const sender = input.original.from ? formatAddressList([input.original.from]) : '';
  const attribution = ATTRIBUTION[input.locale](
    formatDate(input.original.date, input.locale, input.timeZone ?? 'Asia/Tokyo'),
    sender,
  );
  return { body, signature, quote: { attribution, lines: originalText.split('\n') } };
}

/** The reply, its signature, then the original quoted line by line, unchanged otherwise. */
export function replyText(input: ReplySource): string {
  const { body, signature, quote, forwarded } = replyParts(input);
  const own = signature ? `${body}\n\n${signature}` : body;
  if (forwarded) return `${own}\n\n${[...forwarded.headers, '', ...forwarded.lines].join('\n')}\n`.trimStart();
  if (!quote) return `${own}\n`;
  const quoted = quote.lines.map((line) => (line ? `> ${line}` : '>')).join('\n');
  return `${own}\n\n${quote.attribution}\n${quoted}\n`;
}
