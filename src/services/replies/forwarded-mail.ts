/**
 * The mail a forward sends on (Draft.forwardsId), read from the database: its headers and
 * text as shown to the author and the reviewer, and its attachments' bytes for the send.
 */
import type { Db } from '../../db/client.js';
import type { ForwardedMail } from '../../domain/forward-mail.js';
import { storedAddresses } from '../../domain/stored-addresses.js';
import type { MailAttachment } from '../../mail/build-reply-mail.js';
import { mailFiles } from '../tickets/load-thread-files.js';

/** The mail a forward sends on (null when it is gone: nothing is forwarded then). */
export async function forwardedMail(db: Db, messageRowId: number | null): Promise<ForwardedMail | null> {
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
    },
  });
  if (!mail) return null;
  const { text, files } = await mailFiles(db, mail.id);
  return {
    id: mail.id,
    headers: {
      from: mail.fromAddress ? { name: mail.fromName ?? '', address: mail.fromAddress } : null,
      to: storedAddresses(mail.toAddresses),
      cc: storedAddresses(mail.ccAddresses),
      subject: mail.subject,
      date: mail.sentAt ?? mail.receivedAt,
    },
    text,
    attachments: files.map((file) => ({ filename: file.filename, size: file.size })),
  };
}

/** The forwarded mail's attachments, read whole for the send: the bytes as the mail carried them. */
export async function forwardedAttachments(db: Db, messageRowId: number): Promise<MailAttachment[]> {
  const { files } = await mailFiles(db, messageRowId);
  const attachments: MailAttachment[] = [];
  for (const file of files) {
    const pieces: Buffer[] = [];
    // A chunk is valid only until the next is asked for: each is copied.
    for await (const chunk of file.chunks()) pieces.push(Buffer.from(chunk));
    attachments.push({ filename: file.filename, contentType: file.contentType, content: Buffer.concat(pieces) });
  }
  return attachments;
}
