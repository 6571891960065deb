/**
 * Puts an approved reply into the outbox. The mail is composed first — Message-ID made,
 * bytes built — and then stored in the approval's transaction: the outgoing Message row
 * (so the customer's answer threads back to the ticket by In-Reply-To) and the outbox
 * entry, one per draft (unique), which is all the sender ever sends.
 */
import { rawMailStoreOf, type Db, type Draft, type Tx } from '../../db/client.js';
import { partsOf, RAW_PART_BYTES } from '../../db/raw-mail-store.js';
import { readWhole } from '../../util/raw-source.js';
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
import { buildReplyMail, type MailAttachment, type ReplyMail } from '../../mail/build-reply-mail.js';
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
  deps: Pick<ReplyDeps, 'mailboxes'>,
  draft: Pick<Draft, 'toAddresses' | 'ccAddresses' | 'subject' | 'body' | 'signature' | 'fromAddress'> & {
    ticket: { mailbox: { key: string } };
  },
  original: CustomerMailForReply | null,
  /** The files as fetched for this send: built into the raw bytes, then let go. */
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
  return {
    ...mail,
    forward: forwarded !== undefined,
    raw: await buildReplyMail({
      ...mail,
      html: replyHtml(source),
      date: new Date(),
      byPerson: true,
      attachments: files,
    }),
  };
}

/** Parts written between two full collections: COLLECT_AFTER_BYTES of them. */
const PARTS_PER_COLLECTION = Math.max(1, Math.floor(COLLECT_AFTER_BYTES / RAW_PART_BYTES));

/**
 * Stores the reply. Its raw bytes go into the outgoing Message row as a received mail's do
 * (raw-mail-store.ts): the first MiB in Message.raw, the rest in MessageRawPart rows of a
 * MiB each, so Prisma never handles more than a MiB at once (it holds several times what
 * it writes: a reply with a 20 MB attachment in one value cost hundreds of MiB). The
 * outbox entry keeps the bytes itself only when they fit in one part; otherwise its raw is
 * empty and the sender reads them from the message row (readReplyRaw).
 */
async function commit(
  tx: Tx,
  draft: Pick<Draft, 'id' | 'ticketId'> & { ticket: { mailboxId: number } },
  reply: PreparedReply,
): Promise<void> {
  // Views of the one buffer, typed as Prisma wants them: nothing is copied here.
  const [head, ...rest] = partsOf(
    new Uint8Array(reply.raw.buffer as ArrayBuffer, reply.raw.byteOffset, reply.raw.byteLength),
  );
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
      ...(reply.forward ? { flags: JSON.stringify({ forward: true }) } : {}),
      raw: head!,
      contentHash: sha256Hex(reply.raw),
      size: reply.raw.length,
    },
  });
  for (const [index, data] of rest.entries()) {
    await tx.messageRawPart.create({ data: { messageRowId: message.id, seq: index + 1, data } });
    // What Prisma held to write the last few parts is garbage now: freed before it piles up.
    if ((index + 1) % PARTS_PER_COLLECTION === 0) collectGarbage();
  }
  await tx.outboxMail.create({
    data: {
      mailboxId: draft.ticket.mailboxId,
      draftId: draft.id,
      messageRowId: message.id,
      messageId: reply.messageId,
      raw: rest.length ? new Uint8Array(0) : head!,
    },
  });
}

/** An outbox entry's raw bytes, exactly as stored when it was queued (see commit). */
async function readReplyRaw(db: Db, entry: { raw: Uint8Array; messageRowId: number | null }): Promise<Uint8Array> {
  if (entry.raw.byteLength > 0 || entry.messageRowId === null) return entry.raw;
  const source = await rawMailStoreOf(db).openRaw(entry.messageRowId);
  if (!source) throw new Error(`the raw source of outgoing message ${entry.messageRowId} is missing`);
  return readWhole(source);
}

/**
 * After a large reply was queued or sent: a full collection once the step's frames are
 * gone (setImmediate), so the fetched files, the built mail and its parts (tens of MiB)
 * do not stay in memory until V8 happens to collect (see collect-garbage.ts).
 */
function collectAfter(bytes: number): void {
  if (bytes >= COLLECT_AFTER_BYTES) setImmediate(collectGarbage);
}

export const enqueueReply = { prepare, commit, readReplyRaw, collectAfter };
