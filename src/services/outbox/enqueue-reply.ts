/**
 * Puts an approved reply into the outbox. The mail is composed first — Message-ID made,
 * bytes built — and then stored in the approval's transaction: the outgoing Message row
 * (so the customer's answer threads back to the ticket by In-Reply-To) and the outbox
 * entry, one per draft (unique), which is all the sender ever sends.
 */
import type { Draft, Tx } from '../../db/client.js';
import { newMessageId, parseAddressList, replyReferences, replyText } from '../../domain/compose-reply.js';
import type { MailAddress } from '../../domain/parsed-mail.js';
import { buildReplyMail, type MailAttachment, type ReplyMail } from '../../mail/build-reply-mail.js';
import { sha256Hex } from '../../mail/raw-headers.js';
import type { ReplyDeps } from '../replies/open-reply.js';
import { draftAddressText } from '../replies/draft-addresses.js';

export interface CustomerMailForReply {
  messageId: string | null;
  references: string;
  fromAddress: string | null;
  fromName: string | null;
  text: string | null;
  sentAt: Date | null;
  receivedAt: Date;
}

/** The reply's mail as built before the transaction, and its raw bytes as they will be sent. */
export interface PreparedReply extends Omit<ReplyMail, 'date' | 'byPerson'> {
  raw: Buffer;
}

function addressesOf(stored: string): MailAddress[] {
  return parseAddressList(draftAddressText(stored)).addresses;
}

async function prepare(
  deps: Pick<ReplyDeps, 'mailboxes'>,
  draft: Pick<Draft, 'toAddresses' | 'ccAddresses' | 'subject' | 'body'> & { ticket: { mailbox: { key: string } } },
  original: CustomerMailForReply | null,
  /** The files as fetched for this send: built into the raw bytes, then let go. */
  attachments: readonly MailAttachment[] = [],
): Promise<PreparedReply> {
  const mailbox = deps.mailboxes.find((candidate) => candidate.key === draft.ticket.mailbox.key);
  if (!mailbox) throw new Error(`mailbox ${draft.ticket.mailbox.key} is no longer configured`);
  const from = { name: mailbox.name, address: mailbox.address };
  const messageId = newMessageId(mailbox.address);
  const references = original
    ? replyReferences({ messageId: original.messageId, references: JSON.parse(original.references) as string[] })
    : [];
  const text = replyText({
    body: draft.body,
    original: {
      text: original?.text ?? null,
      from: original?.fromAddress ? { name: original.fromName ?? '', address: original.fromAddress } : null,
      date: original?.sentAt ?? original?.receivedAt ?? new Date(),
    },
    locale: mailbox.locale,
  });
  const mail = {
    messageId,
    from,
    to: addressesOf(draft.toAddresses),
    cc: addressesOf(draft.ccAddresses),
    subject: draft.subject,
    inReplyTo: original?.messageId ?? null,
    references,
    text,
  };
  return { ...mail, raw: await buildReplyMail({ ...mail, date: new Date(), byPerson: true, attachments }) };
}

async function commit(
  tx: Tx,
  draft: Pick<Draft, 'id' | 'ticketId'> & { ticket: { mailboxId: number } },
  reply: PreparedReply,
): Promise<void> {
  const message = await tx.message.create({
    data: {
      mailboxId: draft.ticket.mailboxId,
      ticketId: draft.ticketId,
      direction: 'out',
      parseState: 'parsed',
      messageId: reply.messageId,
      dedupeKey: reply.messageId,
      inReplyTo: reply.inReplyTo,
      references: JSON.stringify(reply.references),
      fromAddress: reply.from.address,
      fromName: reply.from.name,
      toAddresses: JSON.stringify(reply.to),
      ccAddresses: JSON.stringify(reply.cc),
      subject: reply.subject,
      text: reply.text,
      raw: new Uint8Array(reply.raw),
      contentHash: sha256Hex(reply.raw),
      size: reply.raw.length,
    },
  });
  await tx.outboxMail.create({
    data: {
      mailboxId: draft.ticket.mailboxId,
      draftId: draft.id,
      messageRowId: message.id,
      messageId: reply.messageId,
      raw: new Uint8Array(reply.raw),
    },
  });
}

export const enqueueReply = { prepare, commit };
