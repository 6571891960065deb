/**
 * A mail's original, to the person who asks and nobody else: its HTML, sanitised (nothing
 * runs, nothing is loaded from elsewhere; its inline images kept), or its source as an
 * .eml file, byte for byte as stored. Shared in their direct message with the bot, for
 * members of the ticket's channel only, and kept in the audit log (who read which mail).
 */
import { rawMailStoreOf, type Db } from '../../db/client.js';
import {
  INLINE_IMAGE_TYPES,
  MAX_INLINE_IMAGE_BYTES,
  originalFileName,
  type OriginalFormat,
} from '../../domain/original-mail.js';
import type { Refusal } from '../../domain/refusal.js';
import { originalHtmlDocument, sanitizeHtml } from '../../domain/sanitize-html.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import { sendDirectFiles, type DirectFiles } from '../../slack-api/direct-files.js';
import { accessRefusal, ticketChannel } from './ticket-access.js';

export interface OriginalMailDeps {
  db: Db;
  members: ChannelMembers;
  logger: Logger;
  directFiles: DirectFiles;
}

/** What the file is, for the words shared with it. */
export interface OriginalFileInfo {
  format: OriginalFormat;
  filename: string;
  ticketNumber: number;
  subject: string;
  messageRowId: number;
}

export type OriginalAnswer =
  | ({ kind: 'sent' } & OriginalFileInfo)
  | { kind: 'refused'; refusal: Refusal }
  /** HTML asked for, and the mail has none (a menu from before, or a tampered value). */
  | { kind: 'no_html' }
  /** The source asked for, and the retention policy removed it (apply-retention.ts). */
  | { kind: 'source_removed' }
  /** Slack would not take the file: its error code. */
  | { kind: 'failed'; code: string };

export const ORIGINAL_ACTIONS = { sent: 'mail.original_sent' } as const;

/** The mail's inline images (cid: parts kept in the database) as data: URLs, by Content-ID, within a budget. */
async function inlineImages(db: Db, messageRowId: number): Promise<Map<string, string>> {
  const parts = await db.attachment.findMany({
    where: { messageId: messageRowId, contentId: { not: null }, contentType: { in: [...INLINE_IMAGE_TYPES] } },
    select: { contentId: true, contentType: true, content: true },
    orderBy: { id: 'asc' },
  });
  const images = new Map<string, string>();
  let bytes = 0;
  for (const part of parts) {
    if (!part.content || !part.contentId || images.has(part.contentId)) continue;
    bytes += part.content.byteLength;
    if (bytes > MAX_INLINE_IMAGE_BYTES) break;
    const type = part.contentType === 'image/jpg' ? 'image/jpeg' : part.contentType;
    images.set(part.contentId, `data:${type};base64,${Buffer.from(part.content).toString('base64')}`);
  }
  return images;
}

/** The bytes to send for the mail in the format asked, or why there are none. */
async function originalFile(
  db: Db,
  message: { id: number; html: string | null; rawRemovedAt: Date | null },
  format: OriginalFormat,
  subject: string,
): Promise<
  { length: number; chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> } | 'no_html' | 'gone' | 'source_removed'
> {
  const messageRowId = message.id;
  if (format === 'eml') {
    if (message.rawRemovedAt) return 'source_removed';
    const raw = await rawMailStoreOf(db).openRaw(messageRowId);
    return raw ? { length: raw.size, chunks: raw.parts() } : 'gone';
  }
  if (!message.html) return 'no_html';
  const images = await inlineImages(db, messageRowId);
  const page = Buffer.from(
    originalHtmlDocument(sanitizeHtml(message.html, { inlineImage: (contentId) => images.get(contentId) }), subject),
    'utf8',
  );
  return { length: page.byteLength, chunks: [page] };
}

/**
 * Sends mail `messageRowId`'s original to `userId`'s DM, shared with `comment(info)`.
 * Answers what happened, for the asker alone.
 */
export async function sendOriginal(
  deps: OriginalMailDeps,
  input: {
    userId: string;
    messageRowId: number;
    format: OriginalFormat;
    comment: (info: OriginalFileInfo) => string;
  },
): Promise<OriginalAnswer> {
  const { db } = deps;
  const message = await db.message.findUnique({
    where: { id: input.messageRowId },
    select: {
      id: true,
      subject: true,
      html: true,
      rawRemovedAt: true,
      ticket: {
        select: {
          id: true,
          number: true,
          subject: true,
          mailboxId: true,
          slackChannelId: true,
          mailbox: { select: { channelId: true } },
        },
      },
    },
  });
  const ticket = message?.ticket;
  if (!message || !ticket) return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const denied = await accessRefusal(deps, ticketChannel(ticket), input.userId);
  if (denied) return { kind: 'refused', refusal: denied };
  const subject = message.subject ?? ticket.subject;
  const file = await originalFile(db, message, input.format, subject);
  if (file === 'no_html' || file === 'source_removed') return { kind: file };
  if (file === 'gone') return { kind: 'refused', refusal: { kind: 'ticket_gone' } };
  const info: OriginalFileInfo = {
    format: input.format,
    filename: originalFileName(ticket.number, message.id, input.format),
    ticketNumber: ticket.number,
    subject,
    messageRowId: message.id,
  };
  const where = { ticketId: ticket.id, messageRowId: message.id, format: input.format, actorId: input.userId };
  const failure = await sendDirectFiles(deps.directFiles, input.userId, [
    {
      filename: info.filename,
      title: info.filename,
      length: file.length,
      chunks: file.chunks,
      comment: input.comment(info),
    },
  ]);
  if (failure) {
    deps.logger.warn(
      { code: 'original_send_failed', ...where, slackError: failure.code, err: errorMessage(failure.error) },
      'could not send a mail’s original',
    );
    return { kind: 'failed', code: failure.code };
  }
  await db.auditLog.create({
    data: {
      mailboxId: ticket.mailboxId,
      ticketId: ticket.id,
      actorId: input.userId,
      action: ORIGINAL_ACTIONS.sent,
      detail: JSON.stringify({ messageRowId: message.id, format: input.format }),
    },
  });
  deps.logger.info({ code: 'original_sent', ...where, bytes: file.length }, 'a mail’s original sent to the asker');
  return { kind: 'sent', ...info };
}
