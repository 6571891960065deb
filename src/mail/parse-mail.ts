/**
 * Raw mail → ParsedMail with mailparser, which decodes every charset Mailroom meets
 * (ISO-2022-JP and EUC-JP through encoding-japanese, Shift_JIS and the rest through
 * iconv-lite) and turns HTML-only mail into text. Runs inside parse-pool's worker threads:
 * mailparser works synchronously on big parts and would otherwise stall Slack interactions.
 */
import type { AddressObject } from 'mailparser';
import {
  collectMail,
  streamAttachment,
  type CollectedAttachment,
  type CollectedMail,
  type MailInput,
} from './collect-mail.js';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import libmime from 'libmime';
import type { AttachmentInfo, MailAddress, ParsedMail, SenderSource, TriageHeaders } from '../domain/parsed-mail.js';
import { messageIdsOf } from './raw-headers.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.js';
import { ownBuffer } from '../util/own-buffer.js';

function stripBrackets(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  const flat = objects.flatMap((object) => object.value).flatMap((entry) => (entry.group ? entry.group : [entry]));
  return flat
    .map((entry) => ({ name: (entry.name ?? '').trim(), address: (entry.address ?? '').trim().toLowerCase() }))
    .filter((entry) => entry.name !== '' || entry.address !== '');
}

const USABLE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The sender to show: the From header's address when it has one; else the best address
 * there is — a later From header (mailparser keeps only the first), Sender, Reply-To,
 * Return-Path — with where it came from, so the ticket can say so. The From name is kept.
 */
function bestSender(
  mail: CollectedMail,
  address: (name: string) => MailAddress[],
): { from: MailAddress | null; fromSource: SenderSource } {
  const first = address('from')[0] ?? null;
  if (first && USABLE_ADDRESS.test(first.address)) return { from: first, fromSource: 'from' };
  const laterFrom = mail.headerLines
    .filter((line) => line.key === 'from')
    .slice(1)
    .flatMap(
      (line) =>
        addressparser(libmime.decodeWords(line.line.replace(/^from:\s*/i, ''))) as {
          name?: string;
          address?: string;
        }[],
    )
    .map((entry) => ({ name: (entry.name ?? '').trim(), address: (entry.address ?? '').trim().toLowerCase() }));
  const candidates: [SenderSource, MailAddress[]][] = [
    ['later-from', laterFrom],
    ['sender', address('sender')],
    ['reply-to', address('reply-to')],
    ['return-path', address('return-path')],
  ];
  for (const [source, list] of candidates) {
    const found = list.find((entry) => USABLE_ADDRESS.test(entry.address));
    if (found) return { from: { name: first?.name || found.name, address: found.address }, fromSource: source };
  }
  return { from: first, fromSource: first ? 'from' : null };
}

function headerText(mail: CollectedMail, name: string): string | undefined {
  const value = mail.headers.get(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'value' in value && typeof value.value === 'string') {
    const params =
      'params' in value && value.params
        ? Object.entries(value.params as Record<string, string>)
            .map(([k, v]) => `; ${k}=${v}`)
            .join('')
        : '';
    return `${value.value}${params}`;
  }
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text;
  return String(value);
}

function triageHeaders(mail: CollectedMail): TriageHeaders {
  // mailparser folds List-* headers into one `list` object.
  const list = mail.headers.get('list') as
    | Record<string, { url?: string; mail?: string; id?: string; name?: string }>
    | undefined;
  return {
    autoSubmitted: headerText(mail, 'auto-submitted'),
    precedence: headerText(mail, 'precedence'),
    xAutoreply: headerText(mail, 'x-autoreply') ?? headerText(mail, 'x-autorespond'),
    xAutoResponseSuppress: headerText(mail, 'x-auto-response-suppress'),
    listId: headerText(mail, 'list-id') ?? list?.id?.id,
    listUnsubscribe: headerText(mail, 'list-unsubscribe') ?? list?.unsubscribe?.url ?? list?.unsubscribe?.mail,
    returnPath: headerText(mail, 'return-path'),
    contentType: headerText(mail, 'content-type'),
    xFailedRecipients: headerText(mail, 'x-failed-recipients'),
  };
}

function attachmentInfo(attachment: CollectedAttachment): AttachmentInfo {
  const { size, content } = attachment;
  return {
    filename: attachment.filename ?? null,
    contentType: attachment.contentType || 'application/octet-stream',
    size,
    contentId: attachment.contentId ? stripBrackets(attachment.contentId) : null,
    inline: attachment.contentDisposition === 'inline' || attachment.related === true,
    checksum: attachment.checksum,
    // Its own buffer: the worker moves it to the main thread (parse-worker.ts).
    content: content ? ownBuffer(content) : null,
  };
}

const REPORTED_PART_TYPES = new Set([
  'message/rfc822',
  'text/rfc822-headers',
  'message/global',
  'message/global-headers',
]);

/** Message-IDs named in the original-message parts of a delivery report. */
function reportedMessageIds(mail: CollectedMail): string[] {
  const ids = mail.attachments
    .filter((attachment) => REPORTED_PART_TYPES.has(attachment.contentType.toLowerCase()))
    .flatMap((attachment) => {
      const head = attachment.head.toString('latin1');
      const headers = head.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
      const match = /^message-id:\s*(.+)$/im.exec(headers);
      return match ? messageIdsOf(match[1]) : [];
    });
  return [...new Set(ids)];
}

function validDate(date: Date | undefined): Date | null {
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

function parserOptions(limits: ParseLimits) {
  return { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: limits.maxHtmlChars };
}

/** A raw mail whole in memory, or read part by part (a large stored one). */
export type RawInput = Uint8Array | AsyncIterable<Uint8Array>;

function asInput(raw: RawInput): MailInput {
  return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : raw;
}

/** Parses one mail. Throws only when mailparser cannot make anything of it at all. */
export async function parseMail(raw: RawInput, limits: ParseLimits = DEFAULT_PARSE_LIMITS): Promise<ParsedMail> {
  const mail = await collectMail(asInput(raw), parserOptions(limits), limits.maxAttachmentBytes);
  const header = <T>(name: string) => mail.headers.get(name) as T | undefined;
  const address = (name: string) => addresses(header<AddressObject | AddressObject[]>(name));
  const messageId = header<string>('message-id');
  // No-break spaces (mostly &nbsp; from HTML) read as spaces and search as spaces.
  const fullText = (mail.text ?? '').replace(/\u00a0/g, ' ');
  return {
    messageId: messageId ? stripBrackets(messageId) : null,
    inReplyTo: messageIdsOf(header<string>('in-reply-to'))[0] ?? null,
    references: messageIdsOf(header<string | string[]>('references')),
    subject: header<string>('subject') ?? null,
    ...bestSender(mail, address),
    replyTo: address('reply-to')[0] ?? null,
    to: address('to'),
    cc: address('cc'),
    date: validDate(header<Date>('date')),
    text: fullText.length > limits.maxTextChars ? fullText.slice(0, limits.maxTextChars) : fullText,
    textTruncated: fullText.length > limits.maxTextChars,
    html: typeof mail.html === 'string' ? mail.html : null,
    attachments: mail.attachments.map(attachmentInfo),
    headers: triageHeaders(mail),
    reportedMessageIds: reportedMessageIds(mail),
  };
}

/**
 * Decodes the `index`th attachment of `ParsedMail.attachments` out of a raw mail, passing
 * it to `sink` chunk by chunk (see streamAttachment). Resolves with its size, or null when
 * the mail has no such attachment.
 */
export function decodeAttachment(
  raw: RawInput,
  index: number,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<number | null> {
  return streamAttachment(asInput(raw), parserOptions(DEFAULT_PARSE_LIMITS), index, sink);
}
