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
import { collectBytes } from '../../util/collect-bytes.js';

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

/** The forwarded mail's attachments, read whole for the send (each into one buffer): the bytes as the mail carried them. */
export async function forwardedAttachments(mail: ForwardedSourceMail): Promise<MailAttachment[]> {
  const attachments: MailAttachment[] = [];
  for (const file of mail.attachments)
    attachments.push({
      filename: file.filename,
      contentType: file.contentType,
      content: await collectBytes(file.size, file.chunks()),
    });
  return attachments;
}
