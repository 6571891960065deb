/**
 * Puts an approved reply into the outbox. The mail is composed first — Message-ID made,
 * bytes built — and then stored in the approval's transaction: the outgoing Message row
 * (so the customer's answer threads back to the ticket by In-Reply-To) and the outbox
 * entry, one per draft (unique), which is all the sender ever sends.
 */
import type { Draft, Tx } from '../../db/client.js';
import {
  newMessageId,
  parseAddressList,
  replyReferences,
  replyText,
  type ReplySource,
} from '../../domain/compose-reply.js';
import { replyHtml } from '../../domain/reply-html.js';
import type { MailAddress } from '../../domain/parsed-mail.js';
import { buildReplyMail, type ReplyMail } from '../../mail/build-reply-mail.js';
import { sha256Hex } from '../../mail/raw-headers.js';
import type { ReplyDeps } from '../replies/open-reply.js';
import { draftAddressText } from '../replies/draft-addresses.js';
import { replyFrom } from '../replies/reply-variables.js';

export interface CustomerMailForReply {
  messageId: string | null;
  references: string;
  fromAddress: string | null;
  fromName: string | null;
  text: string | null;
  sentAt: Date | null;
  receivedAt: Date;
  /** Every address the mail was sent to (open-reply.ts withAddressees): decides an alias's From. */
  addressedTo: string[];
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
  draft: Pick<Draft, 'toAddresses' | 'ccAddresses' | 'subject' | 'body' | 'signature' | 'fromAddress'> & {
    ticket: { mailbox: { key: string } };
  },
  original: CustomerMailForReply | null,
): Promise<PreparedReply> {
  const mailbox = deps.mailboxes.find((candidate) => candidate.key === draft.ticket.mailbox.key);
  if (!mailbox) throw new Error(`mailbox ${draft.ticket.mailbox.key} is no longer configured`);
  // The From the reviewer was shown (decided on submitting); a draft from before, decided now.
  const from = { name: mailbox.name, address: draft.fromAddress ?? replyFrom(deps, mailbox, original) };
  const messageId = newMessageId(from.address);
  const references = original
    ? replyReferences({ messageId: original.messageId, references: JSON.parse(original.references) as string[] })
    : [];
  // The text part is the reply as it always was, with the signature; the HTML part says the same.
  const source: ReplySource = {
    body: draft.body,
    signature: draft.signature,
    original: {
      text: original?.text ?? null,
      from: original?.fromAddress ? { name: original.fromName ?? '', address: original.fromAddress } : null,
      date: original?.sentAt ?? original?.receivedAt ?? new Date(),
    },
    locale: mailbox.locale,
  };
  const text = replyText(source);
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
  return { ...mail, raw: await buildReplyMail({ ...mail, html: replyHtml(source), date: new Date(), byPerson: true }) };
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
