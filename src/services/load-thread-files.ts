/**
 * The files a mail brings into its ticket's thread: its attachments (inline images of HTML
 * mail left out), and its whole text as a .txt file when the text is longer than a Slack
 * message can show. Large attachments are not kept in the attachment table; their bytes
 * are read again from the stored raw source.
 */
import { rawMailStoreOf, type Db } from '../db/client.js';
import { DEFAULT_PARSE_LIMITS } from '../mail/parse-limits.js';
import type { ParsePool } from '../mail/parse-pool.js';
import { BODY_CHARS_PER_MESSAGE } from '../slack/views/mail-body-message.js';
import { escapeMrkdwn } from '../slack/views/escape.js';

/** Slack takes up to 1 GB; beyond this a file is named in the thread but not uploaded. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface ThreadFile {
  filename: string;
  bytes: Uint8Array;
}

/** Whether a mail needs a files post at all (decided when it is ingested). */
export function needsThreadFiles(mail: { text: string; attachments: { inline: boolean }[] }): boolean {
  return mail.attachments.some((attachment) => !attachment.inline) || escapeMrkdwn(mail.text.trim()).length > BODY_CHARS_PER_MESSAGE;
}

export async function loadThreadFiles(db: Db, pool: Pick<ParsePool, 'parse'>, messageRowId: number): Promise<ThreadFile[]> {
  const message = await db.message.findUniqueOrThrow({
    where: { id: messageRowId },
    select: { text: true, attachments: { select: { filename: true, inline: true, size: true, content: true }, orderBy: { id: 'asc' } } },
  });
  const wanted = message.attachments.filter((attachment) => !attachment.inline && attachment.size <= MAX_UPLOAD_BYTES);
  let reparsed: Uint8Array[] | undefined;
  if (wanted.some((attachment) => attachment.content === null)) {
    const raw = await rawMailStoreOf(db).readRaw(messageRowId);
    if (!raw) throw new Error(`the raw source of message ${messageRowId} is missing`);
    const mail = await pool.parse(raw, { limits: { ...DEFAULT_PARSE_LIMITS, maxAttachmentBytes: MAX_UPLOAD_BYTES }, handOver: true });
    reparsed = mail.attachments.filter((attachment) => !attachment.inline && attachment.size <= MAX_UPLOAD_BYTES).map((attachment) => attachment.content ?? new Uint8Array());
  }
  const files: ThreadFile[] = wanted.map((attachment, index) => ({
    filename: attachment.filename ?? `attachment-${index + 1}`,
    bytes: attachment.content ?? reparsed?.[index] ?? new Uint8Array(),
  }));
  const text = message.text ?? '';
  if (escapeMrkdwn(text.trim()).length > BODY_CHARS_PER_MESSAGE) files.push({ filename: `mail-${messageRowId}.txt`, bytes: Buffer.from(text, 'utf8') });
  return files;
}
