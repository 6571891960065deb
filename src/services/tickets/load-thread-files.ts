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

/**
 * A stored mail's attachments (inline images of HTML mail left out), each read as it is
 * needed: from the attachment table, or decoded again from the raw source. A forward
 * sends these on byte for byte (open-forward.ts).
 */
export async function mailFiles(db: Db, messageRowId: number): Promise<{ text: string; files: MailFile[] }> {
  const message = await db.message.findUniqueOrThrow({
    where: { id: messageRowId },
    select: {
      text: true,
      attachments: {
        select: { filename: true, contentType: true, inline: true, size: true, content: true },
        orderBy: { id: 'asc' },
      },
    },
  });
  // Rows are in the order of ParsedMail.attachments, so a row's position finds its part.
  const files = message.attachments.flatMap((attachment, index): MailFile[] => {
    if (attachment.inline) return [];
    const { content } = attachment;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (content) return void (yield content);
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
  return { text: message.text ?? '', files };
}
