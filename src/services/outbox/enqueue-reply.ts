/**
 * Puts an approved reply into the outbox. The mail is composed first — Message-ID made,
 * bytes built and stored part by part as they are encoded (staged: a Message row nothing
 * reads yet) — and then adopted in the approval's transaction: the outgoing Message row
 * gets its ticket and fields (so the customer's answer threads back to the ticket by
 * In-Reply-To) and the outbox entry is made, one per draft (unique), which is all the
 * sender ever sends. A staged mail whose transaction did not queue it is removed.
 */
import { rawMailStoreOf, type Db, type Draft, type Tx } from '../../db/client.js';
import type { StagedMail } from '../../db/raw-mail-store.js';
import { wholeSource, type RawSource } from '../../util/raw-source.js';
import { collectGarbage, COLLECT_AFTER_BYTES } from '../../util/collect-garbage.js';
import {
  newMessageId,
  parseAddressList,
  replyReferences,
  replyText,
  type ReplySource,
} from '../../domain/compose-reply.js';
import { replyHtml } from '../../domain/reply-html.js';
import type { ForwardedHeaders } from '../../domain/forward-mail.js';
import type { MailAddress } from '../../domain/parsed-mail.js';
import { replyMailStream, type MailAttachment, type ReplyMail } from '../../mail/build-reply-mail.js';
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

/** The reply's mail as built before the transaction, and its raw bytes, stored as they will be sent. */
export interface PreparedReply extends Omit<ReplyMail, 'date' | 'byPerson' | 'html' | 'attachments'> {
  staged: StagedMail;
  /** A forward: its Message row is marked so that an answer to it comes in as an internal note. */
  forward: boolean;
}

/** What a forward sends on (open-forward.ts): the mail's headers, its text, its attachments' bytes. */
export interface ForwardSource {
  headers: ForwardedHeaders;
  text: string;
  attachments: readonly MailAttachment[];
}

function addressesOf(stored: string): MailAddress[] {
  return parseAddressList(draftAddressText(stored)).addresses;
}

async function prepare(
  deps: Pick<ReplyDeps, 'mailboxes' | 'db'>,
  draft: Pick<Draft, 'toAddresses' | 'ccAddresses' | 'subject' | 'body' | 'signature' | 'fromAddress'> & {
    ticket: { mailboxId: number; mailbox: { key: string } };
  },
  original: CustomerMailForReply | null,
  /** The files as fetched for this send: encoded into the stored bytes, then let go. */
  attachments: readonly MailAttachment[] = [],
  /** A forward's mail: sent on below the note, its attachments first; no threading headers. */
  forwarded?: ForwardSource,
): Promise<PreparedReply> {
  const mailbox = deps.mailboxes.find((candidate) => candidate.key === draft.ticket.mailbox.key);
  if (!mailbox) throw new Error(`mailbox ${draft.ticket.mailbox.key} is no longer configured`);
  // The From the reviewer was shown (decided on submitting); a draft from before, decided now.
  const from = { name: mailbox.name, address: draft.fromAddress ?? replyFrom(deps, mailbox, original) };
  const messageId = newMessageId(from.address);
  const references =
    original && !forwarded
      ? replyReferences({ messageId: original.messageId, references: JSON.parse(original.references) as string[] })
      : [];
  // The text part is the reply as it always was, with the signature; the HTML part says the same.
  const source: ReplySource = {
    body: draft.body,
    signature: draft.signature,
    original: {
      text: forwarded ? forwarded.text : (original?.text ?? null),
      from: original?.fromAddress ? { name: original.fromName ?? '', address: original.fromAddress } : null,
      date: original?.sentAt ?? original?.receivedAt ?? new Date(),
    },
    locale: mailbox.locale,
    ...(forwarded ? { forwarded: forwarded.headers } : {}),
  };
  const text = replyText(source);
  const mail = {
    messageId,
    from,
    to: addressesOf(draft.toAddresses),
    cc: addressesOf(draft.ccAddresses),
    subject: draft.subject,
    // A forward goes to a third party: it threads to nothing of the customer's.
    inReplyTo: forwarded ? null : (original?.messageId ?? null),
    references,
    text,
  };
  const files = forwarded ? [...forwarded.attachments, ...attachments] : attachments;
  const staged = await rawMailStoreOf(deps.db).stageOutgoing({
    mailboxId: draft.ticket.mailboxId,
    messageId,
    bytes: replyMailStream({ ...mail, html: replyHtml(source), date: new Date(), byPerson: true, attachments: files }),
  });
  return { ...mail, staged, forward: forwarded !== undefined };
}

/**
 * Adopts the staged mail in the approval's transaction: the Message row gets its ticket
 * and what the thread and search show of it, and the outbox entry is made. The entry's own
 * raw stays empty (entries from before staging kept their bytes there): the sender reads
 * the bytes from the message row, part by part (openReplyRaw).
 */
async function commit(
  tx: Tx,
  draft: Pick<Draft, 'id' | 'ticketId'> & { ticket: { mailboxId: number } },
  reply: PreparedReply,
): Promise<void> {
  const { count } = await tx.message.updateMany({
    where: { id: reply.staged.messageRowId, parseState: 'staged' },
    data: {
      ticketId: draft.ticketId,
      parseState: 'parsed',
      inReplyTo: reply.inReplyTo,
      references: JSON.stringify(reply.references),
      fromAddress: reply.from.address,
      fromName: reply.from.name,
      toAddresses: JSON.stringify(reply.to),
      ccAddresses: JSON.stringify(reply.cc),
      subject: reply.subject,
      text: reply.text,
      ...(reply.forward ? { flags: JSON.stringify({ forward: true }) } : {}),
    },
  });
  if (count === 0) throw new Error(`the stored bytes of reply ${reply.messageId} are gone; approve it again`);
  await tx.outboxMail.create({
    data: {
      mailboxId: draft.ticket.mailboxId,
      draftId: draft.id,
      messageRowId: reply.staged.messageRowId,
      messageId: reply.messageId,
      raw: new Uint8Array(0),
    },
  });
}

/**
 * Runs the transaction meant to queue a prepared reply (which calls commit); when it did
 * not (false, or an error), the staged bytes are removed at once.
 */
async function queueWithin(db: Db, reply: PreparedReply | null, transaction: () => Promise<boolean>): Promise<boolean> {
  let queued = false;
  try {
    queued = await transaction();
    return queued;
  } finally {
    if (reply && !queued)
      await rawMailStoreOf(db)
        .discardStaged(reply.staged.messageRowId)
        .catch(() => {});
  }
}

/** An outbox entry's raw bytes, exactly as stored when it was queued (see commit), to be read part by part. */
async function openReplyRaw(db: Db, entry: { raw: Uint8Array; messageRowId: number | null }): Promise<RawSource> {
  if (entry.raw.byteLength > 0 || entry.messageRowId === null) return wholeSource(entry.raw);
  const source = await rawMailStoreOf(db).openRaw(entry.messageRowId);
  if (!source) throw new Error(`the raw source of outgoing message ${entry.messageRowId} is missing`);
  return source;
}

/**
 * After a large reply was queued or sent: a full collection once the step's frames are
 * gone (setImmediate), so the fetched files, the built mail and its parts (tens of MiB)
 * do not stay in memory until V8 happens to collect (see collect-garbage.ts).
 */
function collectAfter(bytes: number): void {
  if (bytes >= COLLECT_AFTER_BYTES) setImmediate(collectGarbage);
}

export const enqueueReply = { prepare, commit, queueWithin, openReplyRaw, collectAfter };
