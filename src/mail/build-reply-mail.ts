/**
 * The reply as an RFC 5322 message, built once (with its Message-ID) before anything is
 * sent: the stored bytes are exactly what the SMTP server and the Sent folder receive, so
 * a retry can only ever resend the same mail. nodemailer's MailComposer does the encoding
 * (UTF-8, any language, long lines) and the multipart/alternative of text and HTML.
 */
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailAddress } from '../domain/parsed-mail.js';

export interface ReplyMail {
  messageId: string;
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  inReplyTo: string | null;
  references: string[];
  text: string;
  /** The same reply as HTML: with it, the mail is multipart/alternative (text first, for clients that show text). */
  html?: string;
  date: Date;
  /** True when a person wrote it (docs/contract.md: `Auto-Submitted: no`), false for automatic mail. */
  byPerson: boolean;
  /** Files sent with the reply, each as an attachment part (base64). */
  attachments?: readonly MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Bytes handed to the encoder a slice at a time. */
const SLICE_BYTES = 64 * 1024;

/**
 * A file's bytes as a stream of views over them: given a Buffer, nodemailer encodes it into
 * one base64 string and emits that as one chunk (a 20 MB file: 84 MiB more at once);
 * given a stream, it encodes slice by slice (12 MiB more). Nothing is copied here.
 */
function inSlices(content: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < content.byteLength; offset += SLICE_BYTES)
        yield content.subarray(offset, offset + SLICE_BYTES);
    })(),
  );
}

function composerOf(mail: ReplyMail): MailComposer {
  return new MailComposer({
    from: mail.from,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    date: mail.date,
    messageId: `<${mail.messageId}>`,
    inReplyTo: mail.inReplyTo ? `<${mail.inReplyTo}>` : undefined,
    references: mail.references.length ? mail.references.map((id) => `<${id}>`) : undefined,
    headers: { 'Auto-Submitted': mail.byPerson ? 'no' : 'auto-replied' },
    textEncoding: 'quoted-printable',
    attachments: mail.attachments?.map((file) => ({
      filename: file.filename,
      contentType: file.contentType,
      content: inSlices(file.content),
      contentDisposition: 'attachment' as const,
    })),
  });
}

export async function buildReplyMail(mail: ReplyMail): Promise<Buffer> {
  return composerOf(mail).compile().build();
}

/**
 * The same bytes as buildReplyMail, as they are encoded: a large reply is stored part by
 * part as it is built (raw-mail-store.ts stageOutgoing), never held whole.
 */
export function replyMailStream(mail: ReplyMail): Readable {
  return composerOf(mail).compile().createReadStream();
}
