/**
 * The mail a forward sends on (Draft.forwardsId), read from the database once for what is
 * done with it: its headers and text as shown to the author and the reviewer, and its
 * files, whose bytes are read only when the forward's mail is built (forwardedAttachments).
 */
import type { Db } from '../../db/client.js';
import type { ForwardedMail } from '../../domain/forward-mail.js';
import { storedAddresses } from '../../domain/stored-addresses.js';
import type { MailAttachment } from '../../mail/build-reply-mail.js';
import { STORED_FILE_ROWS, storedFiles, type MailFile } from '../tickets/load-thread-files.js';

/** The forwarded mail as read: its attachments are its files, their bytes not yet read. */
export interface ForwardedSourceMail extends ForwardedMail {
  attachments: MailFile[];
}

/** The mail a forward sends on (null when it is gone: nothing is forwarded then). */
export async function forwardedMail(db: Db, messageRowId: number | null): Promise<ForwardedSourceMail | null> {
  if (messageRowId === null) return null;
  const mail = await db.message.findUnique({
    where: { id: messageRowId },
    select: {
      id: true,
      fromAddress: true,
      fromName: true,
      toAddresses: true,
      ccAddresses: true,
      subject: true,
      sentAt: true,
      receivedAt: true,
      text: true,
      attachments: STORED_FILE_ROWS,
    },
  });
  if (!mail) return null;
  return {
    id: mail.id,
    headers: {
      from: mail.fromAddress ? { name: mail.fromName ?? '', address: mail.fromAddress } : null,
      to: storedAddresses(mail.toAddresses),
      cc: storedAddresses(mail.ccAddresses),
      subject: mail.subject,
      date: mail.sentAt ?? mail.receivedAt,
    },
    text: mail.text ?? '',
    attachments: storedFiles(db, mail.id, mail.attachments),
  };
}

/** The forwarded mail's attachments, read whole for the send: the bytes as the mail carried them. */
export async function forwardedAttachments(mail: ForwardedSourceMail): Promise<MailAttachment[]> {
  const attachments: MailAttachment[] = [];
  for (const file of mail.attachments)
    attachments.push({ filename: file.filename, contentType: file.contentType, content: await fileBytes(file) });
  return attachments;
}

/**
 * A file's bytes in one buffer of its size, each chunk copied in as it comes (a chunk is
 * valid only until the next is asked for): the file is held once, not as pieces and then
 * again joined. A file whose bytes are not its recorded size is joined as read.
 */
async function fileBytes(file: MailFile): Promise<Buffer> {
  const whole = Buffer.allocUnsafeSlow(file.size);
  let filled = 0;
  let overflow: Buffer[] | null = null;
  for await (const chunk of file.chunks()) {
    if (!overflow && filled + chunk.byteLength <= whole.byteLength) {
      whole.set(chunk, filled);
      filled += chunk.byteLength;
    } else (overflow ??= []).push(Buffer.from(chunk));
  }
  const head = whole.subarray(0, filled);
  return overflow ? Buffer.concat([head, ...overflow]) : head;
}
