/**
 * Forgets a customer on their request (APPI, GDPR): in one transaction, their mails (in and
 * out, raw sources and attachments with them), their Customer record and what the search
 * index held of them; their tickets stay as numbers (subject emptied, customer unlinked,
 * closed if open), with the team's notes on them (Comment rows, which can quote the
 * customer) and the replies being written (drafts, reviews, unsent outbox mail) removed. Each Slack
 * message of the bot's that showed their data is queued to be replaced by a note
 * (chat.update through the poster, so a Slack outage delays it, never loses it).
 *
 * An audit record keeps who asked, when, the SHA-256 of the address and how much went, not
 * the data. Idempotent: a second request finds nothing, changes nothing, and says the
 * address was forgotten before (by its hash).
 */
import type { Db, Tx } from '../../db/client.js';
import { addressHash, customerAddressKey } from '../../domain/customer-address.js';
import type { Logger } from '../../logging/logger.js';
import type { DirectFiles } from '../../slack-api/direct-files.js';
import type { TLocale } from '../../domain/locale.js';
import { POST_KINDS, type PostKind, type PostNotReady } from '../../posts/post-kinds.js';
import { queueNewPosts, type PostToQueue } from '../../posts/queue-post.js';
import { findCustomerData, holdsAnything, type CustomerData } from './customer-data.js';

export const PRIVACY_ACTIONS = { forgotten: 'customer.forgotten', exported: 'customer.exported' } as const;

/** Queued posts that show mail content: a forgotten customer's are never sent. */
const CONTENT_POST_KINDS: readonly PostKind[] = [
  POST_KINDS.ticket,
  POST_KINDS.mailBody,
  POST_KINDS.followUp,
  POST_KINDS.files,
  POST_KINDS.ticketUpdate,
  POST_KINDS.draft,
  POST_KINDS.draftUpdate,
  POST_KINDS.sentReply,
];

/** Kinds of posted messages that showed their data, besides the ticket message and the mails' replies. */
const REDACTED_POST_KINDS: readonly PostKind[] = [
  POST_KINDS.mailBody,
  POST_KINDS.followUp,
  POST_KINDS.draft,
  POST_KINDS.sentReply,
];

export interface ForgetCounts {
  customer: number;
  tickets: number;
  mails: number;
  rawParts: number;
  attachments: number;
  comments: number;
  drafts: number;
  outbox: number;
  /** Slack messages queued to be replaced by a note. */
  redactions: number;
}

export type ForgetAnswer =
  | { kind: 'bad_address' }
  /** Nothing held of the address; `before`: when it was forgotten, if it was. */
  | { kind: 'nothing'; before: Date | null }
  | { kind: 'forgotten'; counts: ForgetCounts };

export interface PrivacyDeps {
  db: Db;
  logger: Logger;
  /** Queued Slack posts are waiting: post them now (absent in the CLI: the bot posts them). */
  wakePoster?: () => void;
  now?: () => Date;
}

/** What `/mail forget` and `/mail export-customer` work with: the admins (ADMINS) may use them. */
export interface PrivacyCommandDeps extends PrivacyDeps {
  admins: readonly string[];
  directFiles: DirectFiles;
}

/** Whether `userId` is one of the admins (ADMINS): nobody is when none are configured. */
export function isAdmin(admins: readonly string[], userId: string): boolean {
  return admins.includes(userId);
}

/** When the address was last forgotten, by its hash, or null. */
async function forgottenBefore(db: Db, hash: string): Promise<Date | null> {
  const records = await db.auditLog.findMany({
    where: { action: PRIVACY_ACTIONS.forgotten, detail: { contains: hash } },
    select: { createdAt: true },
    orderBy: { id: 'desc' },
    take: 1,
  });
  return records[0]?.createdAt ?? null;
}

/** Where each Slack message that showed their data is: the ticket messages, the mails in threads, drafts, replies. */
async function messagesToRedact(
  tx: Tx,
  data: CustomerData,
): Promise<{ mailboxId: number; ticketId: number | null; channelId: string; ts: string }[]> {
  const places = new Map<string, { mailboxId: number; ticketId: number | null; channelId: string; ts: string }>();
  const add = (place: { mailboxId: number; ticketId: number | null; channelId: string | null; ts: string | null }) => {
    if (place.channelId && place.ts)
      places.set(`${place.channelId}:${place.ts}`, { ...place, channelId: place.channelId, ts: place.ts });
  };
  const tickets = await tx.ticket.findMany({
    where: { id: { in: data.ticketIds } },
    select: { id: true, mailboxId: true, slackChannelId: true, slackTs: true },
  });
  for (const ticket of tickets)
    add({ mailboxId: ticket.mailboxId, ticketId: ticket.id, channelId: ticket.slackChannelId, ts: ticket.slackTs });
  const mails = await tx.message.findMany({
    where: { id: { in: data.messageIds }, slackTs: { not: null } },
    select: { mailboxId: true, ticketId: true, slackTs: true, ticket: { select: { slackChannelId: true } } },
  });
  for (const mail of mails)
    add({
      mailboxId: mail.mailboxId,
      ticketId: mail.ticketId,
      channelId: mail.ticket?.slackChannelId ?? null,
      ts: mail.slackTs,
    });
  const posts = await tx.slackPost.findMany({
    where: { ticketId: { in: data.ticketIds }, kind: { in: [...REDACTED_POST_KINDS] }, slackTs: { not: null } },
    select: { mailboxId: true, ticketId: true, channelId: true, slackTs: true },
  });
  for (const post of posts)
    add({ mailboxId: post.mailboxId, ticketId: post.ticketId, channelId: post.channelId, ts: post.slackTs });
  return [...places.values()];
}

/**
 * The files the bot shared in the customer's tickets' threads (their mails' attachments).
 * A files post remembers them by id and title, and the title is the attachment's name (the
 * customer's words): only the ids stay. The files themselves are to be deleted in Slack:
 * one removal per files post, returned to be queued, so a Slack outage delays it without
 * losing it, and forgetting twice queues nothing new (the same dedupe key).
 */
async function forgetSharedFiles(tx: Tx, ticketIds: readonly number[]): Promise<PostToQueue[]> {
  const posts = await tx.slackPost.findMany({
    where: { ticketId: { in: [...ticketIds] }, kind: POST_KINDS.files },
    select: { id: true, mailboxId: true, ticketId: true, channelId: true, payload: true },
  });
  const removals: PostToQueue[] = [];
  for (const post of posts) {
    const payload = JSON.parse(post.payload) as { fileIds?: { id: string }[] };
    const fileIds = (payload.fileIds ?? []).map(({ id }) => id);
    if (!fileIds.length) continue;
    const kept = { ...payload, fileIds: fileIds.map((id) => ({ id, title: '' })) };
    await tx.slackPost.update({ where: { id: post.id }, data: { payload: JSON.stringify(kept) } });
    removals.push({
      mailboxId: post.mailboxId,
      ticketId: post.ticketId,
      channelId: post.channelId,
      kind: POST_KINDS.fileRemoval,
      dedupeKey: `unshare:${post.id}`,
      payload: { fileIds },
    });
  }
  return removals;
}

/** Removes what `data` names, in `tx`; the counts of what went. */
async function removeCustomerData(tx: Tx, data: CustomerData, now: Date): Promise<Omit<ForgetCounts, 'redactions'>> {
  const { ticketIds, messageIds } = data;
  const drafts = await tx.draft.findMany({ where: { ticketId: { in: ticketIds } }, select: { id: true } });
  const draftIds = drafts.map((draft) => draft.id);
  const outbox = await tx.outboxMail.deleteMany({
    where: { OR: [{ messageRowId: { in: messageIds } }, { draftId: { in: draftIds } }] },
  });
  await tx.review.deleteMany({ where: { draftId: { in: draftIds } } });
  await tx.draftAttachment.deleteMany({ where: { draftId: { in: draftIds } } });
  await tx.draft.deleteMany({ where: { id: { in: draftIds } } });
  const comments = await tx.comment.deleteMany({ where: { ticketId: { in: ticketIds } } });
  // Counted and removed before their mails, though the mails' removal would cascade to them.
  const rawParts = await tx.messageRawPart.deleteMany({ where: { messageRowId: { in: messageIds } } });
  const attachments = await tx.attachment.deleteMany({ where: { messageId: { in: messageIds } } });
  const mails = await tx.message.deleteMany({ where: { id: { in: messageIds } } });
  // The tickets stay, as numbers: their subject is the customer's words (the search index
  // follows it by trigger, as it drops the mails' and comments' documents).
  const tickets = await tx.ticket.updateMany({
    where: { id: { in: ticketIds } },
    data: { subject: '', customerId: null },
  });
  // Closed, if open: with nothing left to answer, reminders would only nag about an empty ticket.
  await tx.ticket.updateMany({
    where: { id: { in: ticketIds }, closedAt: null },
    data: { status: 'done', closedAt: now, snoozedUntil: null, snoozedBy: null },
  });
  // What was waiting to show their mails in Slack never goes.
  await tx.slackPost.updateMany({
    where: { ticketId: { in: ticketIds }, kind: { in: [...CONTENT_POST_KINDS] }, state: { in: ['queued', 'posting'] } },
    data: { state: 'failed', lastError: 'customer data forgotten', claimedBy: null, claimedUntil: null },
  });
  const customer = data.customer ? await tx.customer.deleteMany({ where: { id: data.customer.id } }) : { count: 0 };
  return {
    customer: customer.count,
    tickets: tickets.count,
    mails: mails.count,
    rawParts: rawParts.count,
    attachments: attachments.count,
    comments: comments.count,
    drafts: draftIds.length,
    outbox: outbox.count,
  };
}

export async function forgetCustomer(
  deps: PrivacyDeps,
  input: { address: string; actorId: string },
): Promise<ForgetAnswer> {
  const address = customerAddressKey(input.address);
  if (!address) return { kind: 'bad_address' };
  const hash = addressHash(address);
  const now = deps.now?.() ?? new Date();
  const counts = await deps.db.$transaction(async (tx) => {
    const data = await findCustomerData(tx, address);
    if (!holdsAnything(data)) return null;
    const places = await messagesToRedact(tx, data);
    const removed = await removeCustomerData(tx, data, now);
    const redactions = await queueNewPosts(
      tx,
      places.map((place) => ({
        mailboxId: place.mailboxId,
        ticketId: place.ticketId,
        channelId: place.channelId,
        kind: POST_KINDS.redaction,
        dedupeKey: `redact:${place.channelId}:${place.ts}`,
        payload: { ts: place.ts },
      })),
      now,
    );
    await queueNewPosts(tx, await forgetSharedFiles(tx, data.ticketIds), now);
    const result: ForgetCounts = { ...removed, redactions };
    await tx.auditLog.create({
      data: {
        actorId: input.actorId,
        action: PRIVACY_ACTIONS.forgotten,
        detail: JSON.stringify({ addressHash: hash, ...result }),
        createdAt: now,
      },
    });
    return result;
  });
  if (!counts) return { kind: 'nothing', before: await forgottenBefore(deps.db, hash) };
  deps.logger.info(
    { code: 'customer_forgotten', actorId: input.actorId, addressHash: hash, ...counts },
    'a customer’s data forgotten',
  );
  if (counts.redactions) deps.wakePoster?.();
  return { kind: 'forgotten', counts };
}

/** A queued redaction, for the poster: the message to replace and the mailbox's language. */
export async function loadRedaction(
  db: Db,
  post: { mailboxId: number; payload: string },
): Promise<{ ts: string; locale: TLocale } | PostNotReady> {
  const { ts } = JSON.parse(post.payload) as { ts?: unknown };
  if (typeof ts !== 'string') return { kind: 'drop', reason: 'a redaction names no message' };
  const mailbox = await db.mailbox.findUnique({ where: { id: post.mailboxId }, select: { locale: true } });
  return { ts, locale: (mailbox?.locale ?? 'en') as TLocale };
}
