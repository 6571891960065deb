/**
 * What can still be read of a mail mailparser gave up on: the main headers straight from
 * the raw bytes and the body as text. Enough to post it; the raw source stays stored.
 */
import type { MailAddress, ParsedMail } from '../domain/parsed-mail.js';
import { messageIdsOf, readRawHeaders } from './raw-headers.js';

function roughAddress(value: string | null): MailAddress | null {
  if (!value) return null;
  const angle = /^(.*?)<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle) return { name: angle[1]!.replace(/"/g, '').trim(), address: angle[2]!.toLowerCase() };
  const bare = /[^\s<>"]+@[^\s<>"]+/.exec(value);
  return bare ? { name: '', address: bare[0].toLowerCase() } : { name: value.trim(), address: '' };
}

export function fallbackParse(raw: Uint8Array, maxTextChars = 100_000): ParsedMail {
  const whole = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  const bodyStart = whole.search(/\r?\n\r?\n/);
  const body = bodyStart === -1 ? '' : whole.slice(bodyStart).trim();
  const header = readRawHeaders(raw);
  const date = new Date(header('date') ?? '');
  return {
    messageId: messageIdsOf(header('message-id'))[0] ?? null,
    inReplyTo: messageIdsOf(header('in-reply-to'))[0] ?? null,
    references: messageIdsOf(header('references')),
    subject: header('subject'),
    from: roughAddress(header('from')),
    fromSource: header('from') ? 'from' : null,
    replyTo: roughAddress(header('reply-to')),
    to: [],
    cc: [],
    date: Number.isNaN(date.getTime()) ? null : date,
    text: body.slice(0, maxTextChars),
    textTruncated: body.length > maxTextChars,
    html: null,
    attachments: [],
    headers: {},
    reportedMessageIds: [],
  };
}
