/**
 * mailparser's simpleParser, except that an attachment's bytes are kept only up to a size.
 * simpleParser gathers every attachment into memory (its chunks, then one more buffer of
 * the whole): for a 25 MB file that is 50 MB more in the parse worker, just to be dropped
 * again because large attachments are read from the raw source when they are needed.
 * Here a large attachment streams through mailparser (which still counts its size and
 * computes its checksum) and only its first bytes are kept.
 */
import { MailParser, type AttachmentStream, type Headers, type MailParserOptions, type MessageText } from 'mailparser';

/** Enough of an attached mail to read its headers (see reportedMessageIds). */
export const ATTACHMENT_HEAD_BYTES = 64 * 1024;

export interface CollectedAttachment extends Omit<AttachmentStream, 'content' | 'release' | 'size' | 'checksum'> {
  size: number;
  checksum: string;
  /** The bytes, or null when there were more than the caller keeps. */
  content: Buffer | null;
  /** The first ATTACHMENT_HEAD_BYTES bytes, always. */
  head: Buffer;
}

export interface CollectedMail {
  headers: Headers;
  /** The top-level header lines as written (mailparser's `headers` keeps one From of several). */
  headerLines: { key: string; line: string }[];
  text?: string;
  html?: string | false;
  attachments: CollectedAttachment[];
}

/** Reads one attachment's stream to its end, keeping its bytes only while within keepBytes. */
function collectAttachment(
  stream: AttachmentStream,
  keepBytes: number,
  done: (attachment: CollectedAttachment) => void,
): void {
  const { content, release, ...info } = stream;
  let chunks: Buffer[] | null = [];
  let length = 0;
  let head: Buffer | null = null;
  content.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (chunks && length <= keepBytes) {
      chunks.push(chunk);
      return;
    }
    if (chunks) {
      // Too big to keep: hold on to its head only (a copy, so the chunks can go).
      head = Buffer.from(Buffer.concat([...chunks, chunk]).subarray(0, ATTACHMENT_HEAD_BYTES));
      chunks = null;
    }
  });
  content.once('end', () => {
    const whole = chunks ? Buffer.concat(chunks, length) : null;
    // mailparser sets size and checksum on its own attachment object as the stream ends.
    done({
      ...info,
      size: stream.size ?? length,
      checksum: stream.checksum ?? '',
      content: whole,
      head: head ?? whole!.subarray(0, ATTACHMENT_HEAD_BYTES),
    });
    release?.();
  });
}

/** A mail as the parser reads it: whole in memory, or part by part (a large stored one). */
export type MailInput = Buffer | AsyncIterable<Uint8Array>;

/**
 * Runs mailparser over a mail; `listen` attaches the caller's handlers
 * (and may stop the parse with `fail`). Settles with `result()` when mailparser ends, or
 * rejects with the first error, mailparser's or the caller's.
 */
function runParser<T>(
  input: MailInput,
  options: MailParserOptions,
  listen: (parser: MailParser, fail: (error: Error) => void) => void,
  result: () => T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(options);
    // mailparser may report a non-fatal error and still end: the first outcome wins.
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(result());
    };
    const fail = (error: Error) => {
      settle(error);
      parser.destroy();
    };
    // mailparser reports some errors (too many MIME parts, a huge part header) without
    // stopping: it then takes no more input, and a feed waiting for it to drain would hang
    // with the mail's parts. Stopped here, it closes, and the feed ends.
    parser.on('error', (error: Error) => fail(error));
    parser.on('end', () => settle(null));
    listen(parser, fail);
    if (Buffer.isBuffer(input)) feed(parser, input);
    else feedParts(parser, input).catch(fail);
  });
}

/** Parses a mail. Rejects when mailparser reports an error. */
export function collectMail(input: MailInput, options: MailParserOptions, keepBytes: number): Promise<CollectedMail> {
  const mail: CollectedMail = { headers: new Map(), headerLines: [], attachments: [] };
  return runParser(
    input,
    options,
    (parser) => {
      parser.on('headers', (headers: Headers) => (mail.headers = headers));
      parser.on('headerLines', (lines: { key: string; line: string }[]) => (mail.headerLines = lines));
      parser.on('data', (data: AttachmentStream | MessageText) => {
        if (data.type === 'text') {
          mail.text = data.text;
          mail.html = data.html;
          return;
        }
        // mailparser waits for release() before the next part, so the order is kept.
        collectAttachment(data, keepBytes, (attachment) => mail.attachments.push(attachment));
      });
    },
    () => mail,
  );
}

/**
 * Parses a mail for one attachment's bytes only: the `index`th attachment (in the order
 * collectMail lists them) is passed to `sink` chunk by chunk as mailparser decodes it, the
 * parser waiting for each `sink` call to finish, so a slow consumer makes nothing pile
 * up; every other part is skipped. Resolves with the attachment's size, or null when the
 * mail has no such attachment. A `sink` that rejects stops the parse with its error.
 */
export function streamAttachment(
  input: MailInput,
  options: MailParserOptions,
  index: number,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<number | null> {
  let seen = 0;
  let size: number | null = null;
  return runParser(
    input,
    options,
    (parser, fail) => {
      parser.on('data', (data: AttachmentStream | MessageText) => {
        if (data.type === 'text') return;
        const { content, release } = data;
        content.once('end', () => release?.());
        if (seen++ !== index) return void content.resume();
        size = 0;
        content.on('data', (chunk: Buffer) => {
          size! += chunk.length;
          content.pause();
          sink(chunk).then(() => content.resume(), fail);
        });
      });
    },
    () => size,
  );
}

/** Bytes handed to mailparser at a time. */
const FEED_BYTES = 64 * 1024;

/** Writes one slice; resolves when mailparser is ready for more (or has been stopped). */
function write(parser: MailParser, slice: Uint8Array): Promise<void> | undefined {
  if (parser.write(slice)) return undefined;
  return new Promise((resolve) => {
    const ready = () => {
      parser.off('drain', ready).off('close', ready);
      resolve();
    };
    parser.once('drain', ready).once('close', ready);
  });
}

/**
 * feed() for a mail read part by part: each part in slices, the next part asked for only
 * once mailparser has taken the last one, so at most a part or two are held at a time.
 */
async function feedParts(parser: MailParser, parts: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const part of parts) {
    for (let offset = 0; offset < part.byteLength; offset += FEED_BYTES) {
      if (parser.destroyed) return;
      await write(parser, part.subarray(offset, offset + FEED_BYTES));
    }
  }
  parser.end();
}

/**
 * Writes the mail in slices, each when mailparser is ready for more. Given the whole mail
 * in one write, mailparser splits and decodes all of it before anything downstream is
 * consumed, holding every decoded line at once: for a 34 MiB mail, ~200 MiB.
 */
function feed(parser: MailParser, input: Buffer): void {
  let offset = 0;
  const writeMore = () => {
    while (offset < input.length) {
      const slice = input.subarray(offset, offset + FEED_BYTES);
      offset += slice.length;
      if (!parser.write(slice)) return void parser.once('drain', writeMore);
    }
    parser.end();
  };
  writeMore();
}
