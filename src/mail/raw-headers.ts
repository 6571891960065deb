/**
 * Reads a few headers straight from the raw bytes, without a full parse. Used where the
 * full parse has not happened yet (storing, deduplicating) or failed (a malformed mail is
 * still posted with what could be read).
 */
import { createHash, type Hash } from 'node:crypto';
import libmime from 'libmime';
import { cleanMessageId } from '../domain/message-id.js';

/** The header block as text, unfolded; at most the first 64 KB are looked at. */
function headerBlock(raw: Uint8Array): string {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return (end === -1 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

/** Every header's first value, by lower-cased name, still encoded. */
function headerValues(raw: Uint8Array): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of headerBlock(raw).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!values.has(name)) values.set(name, line.slice(colon + 1).trim());
  }
  return values;
}

/** A mail's headers, read once: each lookup decodes (encoded-words, 8-bit UTF-8) or is null. */
export type RawHeaderReader = (name: string) => string | null;

export function readRawHeaders(raw: Uint8Array): RawHeaderReader {
  const values = headerValues(raw);
  return (name) => decodeHeader(values.get(name.toLowerCase()));
}

/** The first value of one header, decoded, or null (use readRawHeaders for several). */
export function rawHeader(raw: Uint8Array, name: string): string | null {
  return readRawHeaders(raw)(name);
}

/** Message-IDs in a header value, brackets removed, in order, without repeats. */
export function messageIdsOf(value: string | string[] | null | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  const strip = (id: string) => id.trim().replace(/^<|>$/g, '').trim();
  const ids =
    text.match(/<[^<>\s]+>/g)?.map(strip) ??
    text
      .split(/\s+/)
      .map(strip)
      .filter((id) => id.includes('@'));
  return [...new Set(ids.filter((id) => id !== ''))];
}

function decodeHeader(value: string | undefined): string | null {
  if (value === undefined) return null;
  const latin1 = value;
  // Header bytes read as latin1; re-read them as UTF-8 for raw 8-bit headers (RFC 6532).
  const utf8 = Buffer.from(latin1, 'latin1').toString('utf8');
  try {
    return libmime.decodeWords(utf8.includes('\ufffd') ? latin1 : utf8);
  } catch {
    return latin1;
  }
}

export function sha256Hex(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex');
}

/**
 * One key per mail however often it is delivered: the Message-ID plus a hash of what makes
 * the mail itself (its addresses, date, subject, threading and MIME headers, and the
 * body, line endings normalised). Copies that differ only in trace headers (delivered To and Cc, refetched
 * after a UIDVALIDITY change) share a key; different mails never do, even from a sender
 * that reuses Message-IDs. Without a Message-ID, the hash of the whole source.
 */
export function dedupeKeyOf(
  raw: Uint8Array,
  contentHash: string,
  header: RawHeaderReader = readRawHeaders(raw),
): string {
  const messageId = cleanMessageId(header('message-id'));
  if (!messageId) return `sha256:${contentHash}`;
  const identity = createHash('sha256');
  for (const name of [
    'from',
    'sender',
    'reply-to',
    'to',
    'cc',
    'date',
    'subject',
    'in-reply-to',
    'references',
    'resent-message-id',
    'content-type',
    'content-transfer-encoding',
  ])
    identity.update(`${header(name) ?? ''}\n`);
  hashNormalisedBody(identity, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  return `mid:${messageId}:${identity.digest('hex').slice(0, 24)}`;
}

const CR = 0x0d;
const LF = 0x0a;
/** What String.prototype.trimEnd removes, among the characters a byte can be read as (latin1). */
const TRAILING_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/**
 * Hashes the body (after the first blank line) with CRLF read as LF and trailing white space
 * left out, straight from the bytes. Byte for byte what hashing
 * `body.replace(/\r\n/g, '\n').trimEnd()` of the latin1 text gives — the keys already
 * stored were made that way — without the three copies of the mail as strings that cost.
 */
function hashNormalisedBody(hash: Hash, bytes: Buffer): void {
  let start = bodyStart(bytes);
  if (start === -1) return;
  let end = bytes.length;
  while (end > start && TRAILING_SPACE.has(bytes[end - 1]!)) end -= 1;
  const body = bytes.subarray(0, end);
  for (let crlf = body.indexOf('\r\n', start); crlf !== -1; crlf = body.indexOf('\r\n', start)) {
    hash.update(body.subarray(start, crlf));
    start = crlf + 1;
  }
  hash.update(body.subarray(start));
}

/** Where the body begins: after the first match of /\r?\n\r?\n/, or -1 when there is none. */
function bodyStart(bytes: Buffer): number {
  for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    if (bytes[lf + 1] === LF) return lf + 2;
    if (bytes[lf + 1] === CR && bytes[lf + 2] === LF) return lf + 3;
  }
  return -1;
}
