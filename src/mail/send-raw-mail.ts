/**
 * Sends a composed mail's bytes by SMTP and says what became of it: sent, or not sent and
 * why in the terms that decide a retry (smtp-failure.ts). Whether the server had invited
 * the message (354 to DATA) is heard from the conversation itself: nodemailer names a
 * connection dropped after the body went out the same as one dropped before (`CONN`), and
 * only the first may be tried again without risking a second copy at the customer's.
 */
import { Readable } from 'node:stream';
import type { TSmtpConfig } from '../config/config-schema.js';
import { classifySmtpFailure, type SmtpFailure } from '../domain/smtp-failure.js';
import { createSmtpTransport } from './smtp-transport.js';
import { isWhole, type RawSource } from '../util/raw-source.js';

export type SmtpError = Error & { responseCode?: number; code?: string; command?: string; response?: string };

/**
 * `refused`: recipients the server would not take (RCPT TO refused) while it took the mail
 * for the others, each with the server's words: the mail went out, but not to them.
 */
export type SendOutcome =
  | { sent: true; response: string; refused: string[] }
  | { sent: false; kind: SmtpFailure; error: SmtpError };

export async function sendRawMail(
  smtp: TSmtpConfig,
  envelope: { from: string; to: string[] },
  /** The mail's bytes: a large one is streamed from its stored parts, never read whole. */
  raw: RawSource,
): Promise<SendOutcome> {
  let dataInvited = false;
  const transport = createSmtpTransport(smtp, (line) => {
    if (/^354\b/.test(line)) dataInvited = true;
  });
  try {
    const { head } = raw;
    const info = (await transport.sendMail({
      envelope,
      // A Buffer over the same bytes (a copy would hold the mail twice), or the parts as read.
      raw: isWhole(raw) ? Buffer.from(head.buffer, head.byteOffset, head.byteLength) : Readable.from(raw.parts()),
    })) as {
      response?: string;
      rejectedErrors?: SmtpError[];
      rejected?: unknown[];
    };
    const refused = (info.rejectedErrors ?? []).map((error) =>
      `${(error as { recipient?: string }).recipient ?? ''} (${(error.response ?? error.message).slice(0, 200)})`.trim(),
    );
    return { sent: true, response: String(info.response ?? ''), refused };
  } catch (error) {
    return { sent: false, kind: classifySmtpFailure(error as SmtpError, dataInvited), error: error as SmtpError };
  } finally {
    transport.close();
  }
}
