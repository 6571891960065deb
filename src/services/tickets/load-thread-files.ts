/**
 * The files a mail brings into its ticket's thread: its attachments (inline images of HTML
 * mail left out), and its whole text as a .txt file when the text is longer than a Slack
 * message can show. Large attachments are not kept in the attachment table; their bytes
 * are decoded again from the stored raw source while they are uploaded.
 */
import { rawMailStoreOf, type Db } from '../../db/client.js';
import { attachmentChunks } from '../../mail/parse-pool.js';
import { bodyOverflowsMessage } from '../../domain/mail-body.js';

/** Slack takes up to 1 GB; beyond this a file is named in the thread but not uploaded. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface ThreadFile {
  filename: string;
  /** Bytes: what the upload announces. */
  size: number;
  /**
   * The bytes, read as the upload goes (a large attachment decoded chunk by chunk); a
   * chunk is valid until the next one is asked for.
   */
  chunks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Whether a mail needs a files post at all (decided when it is ingested). */
export function needsThreadFiles(mail: { text: string; attachments: { inline: boolean }[] }): boolean {
  return mail.attachments.some((attachment) => !attachment.inline) || bodyOverflowsMessage(mail.text);
}

export async function loadThreadFiles(db: Db, messageRowId: number): Promise<ThreadFile[]> {
  const { text, files } = await mailFiles(db, messageRowId);
  const shown: ThreadFile[] = files.filter((file) => file.size <= MAX_UPLOAD_BYTES);
  if (bodyOverflowsMessage(text)) {
    const bytes = Buffer.from(text, 'utf8');
    shown.push({ filename: `mail-${messageRowId}.txt`, size: bytes.byteLength, chunks: () => [bytes] });
  }
  return shown;
}

/** An attachment of a stored mail, with the type it was sent as. */
export interface MailFile extends ThreadFile {
  contentType: string;
}

/** What the files of a stored mail are made from: its attachment rows, without their bytes (STORED_FILE_ROWS). */
export const STORED_FILE_ROWS = {
  select: { id: true, filename: true, contentType: true, inline: true, size: true },
  orderBy: { id: 'asc' },
} as const;
type StoredFileRow = { id: number; filename: string | null; contentType: string; inline: boolean; size: number };

/**
 * A stored mail's attachments (inline images of HTML mail left out). Their bytes are read
 * only as `chunks()` is iterated: from the attachment table, or decoded again from the raw
 * source. A forward sends these on byte for byte (forwarded-mail.ts).
 */
async function mailFiles(db: Db, messageRowId: number): Promise<{ text: string; files: MailFile[] }> {
  const message = await db.message.findUniqueOrThrow({
    where: { id: messageRowId },
    select: { text: true, attachments: STORED_FILE_ROWS },
  });
  return { text: message.text ?? '', files: storedFiles(db, messageRowId, message.attachments) };
}

/** The files of a mail's attachment rows (selected with STORED_FILE_ROWS, in their order). */
export function storedFiles(db: Db, messageRowId: number, rows: readonly StoredFileRow[]): MailFile[] {
  // Rows are in the order of ParsedMail.attachments, so a row's position finds its part.
  return rows.flatMap((attachment, index): MailFile[] => {
    if (attachment.inline) return [];
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const kept = await db.attachment.findUnique({ where: { id: attachment.id }, select: { content: true } });
      if (kept?.content) return void (yield kept.content);
      // Read for this use alone, part by part, by the decoding worker.
      const raw = await rawMailStoreOf(db).openRaw(messageRowId);
      if (!raw) throw new Error(`the raw source of message ${messageRowId} is missing`);
      yield* attachmentChunks(raw, index);
    }
    return [
      {
        filename: attachment.filename ?? `attachment-${index + 1}`,
        contentType: attachment.contentType,
        size: attachment.size,
        chunks,
      },
    ];
  });
}
