/**
 * What people write in a ticket's thread is the team's internal conversation about it:
 * kept as comments with author and time, edits and deletions tracked, shared files noted.
 * None of it is ever emailed. Messages outside ticket threads, and the bot's own, are not
 * comments.
 */
import { isUniqueViolation } from '../../db/errors.js';
import { sqlRunnerOf, type Db } from '../../db/client.js';
import { followMerges } from '../../db/queries/ingest-commit.js';
import type { Logger } from '../../logging/logger.js';

/** The fields of Slack's `message` event (and its subtypes) that matter here. */
export interface SlackMessageEvent {
  channel: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: { id?: string; name?: string; title?: string }[];
  /** message_changed: the message as it is now. */
  message?: SlackMessageEvent;
  /** message_changed / message_deleted: the message as it was. */
  previous_message?: SlackMessageEvent;
  deleted_ts?: string;
}

export type CommentOutcome = 'created' | 'edited' | 'deleted' | 'ignored';

/** Subtypes that are a person writing in the thread (a file shared, or "also send to channel"). */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

function isPersonInThread(
  message: SlackMessageEvent | undefined,
): message is SlackMessageEvent & { user: string; ts: string; thread_ts: string } {
  return (
    !!message &&
    PERSON_SUBTYPES.has(message.subtype) &&
    !message.bot_id &&
    !!message.user &&
    !!message.ts &&
    !!message.thread_ts &&
    message.thread_ts !== message.ts
  );
}

function filesOf(message: SlackMessageEvent): string {
  return JSON.stringify(
    (message.files ?? [])
      .filter((file) => file.id)
      .map((file) => ({ id: file.id, name: file.name ?? file.title ?? '' })),
  );
}

/**
 * The ticket a thread's comments belong to: the thread's own, or, once it was merged, the
 * ticket it was merged into (where its mails and earlier comments are now), as ingest follows merges.
 */
async function ticketOfThread(db: Db, channelId: string, threadTs: string): Promise<number | null> {
  const thread = await db.ticket.findUnique({
    where: { slackChannelId_slackTs: { slackChannelId: channelId, slackTs: threadTs } },
    select: { id: true },
  });
  if (!thread) return null;
  return (await sqlRunnerOf(db).read(() => followMerges(thread.id)))?.ticketId ?? null;
}

export async function recordThreadMessage(
  deps: { db: Db; logger: Logger },
  event: SlackMessageEvent,
): Promise<CommentOutcome> {
  if (event.subtype === 'message_changed') return recordEdit(deps, event);
  if (event.subtype === 'message_deleted') return recordDeletion(deps, event);
  if (!isPersonInThread(event)) return 'ignored';
  const ticketId = await ticketOfThread(deps.db, event.channel, event.thread_ts!);
  if (ticketId === null) return 'ignored';
  // Slack redelivers; the channel and ts say which message this is, once.
  const existing = await deps.db.comment.findUnique({
    where: { channelId_slackTs: { channelId: event.channel, slackTs: event.ts! } },
    select: { id: true },
  });
  if (existing) return 'ignored';
  try {
    await deps.db.comment.create({
      data: {
        ticketId,
        authorId: event.user!,
        text: event.text ?? '',
        files: filesOf(event),
        channelId: event.channel,
        slackTs: event.ts!,
        createdAt: slackTime(event.ts!),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) return 'ignored';
    throw error;
  }
  deps.logger.info({ code: 'comment_recorded', ticketId, authorId: event.user }, 'internal comment recorded');
  return 'created';
}

async function recordEdit(deps: { db: Db; logger: Logger }, event: SlackMessageEvent): Promise<CommentOutcome> {
  const message = event.message;
  if (!isPersonInThread(message)) return 'ignored';
  const comment = await deps.db.comment.findUnique({
    where: { channelId_slackTs: { channelId: event.channel, slackTs: message.ts } },
    include: { ticket: { select: { mailboxId: true } } },
  });
  // Slack also sends message_changed when it unfurls a link or a reply count changes.
  if (!comment || (comment.text === (message.text ?? '') && comment.files === filesOf(message))) return 'ignored';
  await deps.db.$transaction([
    deps.db.comment.update({
      where: { id: comment.id },
      data: { text: message.text ?? '', files: filesOf(message), editedAt: new Date() },
    }),
    // The earlier wording is kept: a comment is knowledge, and an edit should not erase it.
    deps.db.auditLog.create({
      data: {
        mailboxId: comment.ticket.mailboxId,
        ticketId: comment.ticketId,
        actorId: message.user,
        action: 'comment.edited',
        detail: JSON.stringify({ commentId: comment.id, previousText: comment.text }),
      },
    }),
  ]);
  return 'edited';
}

async function recordDeletion(deps: { db: Db; logger: Logger }, event: SlackMessageEvent): Promise<CommentOutcome> {
  const ts = event.deleted_ts ?? event.previous_message?.ts;
  if (!ts) return 'ignored';
  const comment = await deps.db.comment.findUnique({
    where: { channelId_slackTs: { channelId: event.channel, slackTs: ts } },
    include: { ticket: { select: { mailboxId: true } } },
  });
  if (!comment || comment.deletedAt) return 'ignored';
  await deps.db.$transaction([
    // Marked, not removed: the audit trail and numbers keep what was said.
    deps.db.comment.update({ where: { id: comment.id }, data: { deletedAt: new Date() } }),
    deps.db.auditLog.create({
      data: {
        mailboxId: comment.ticket.mailboxId,
        ticketId: comment.ticketId,
        actorId: comment.authorId,
        action: 'comment.deleted',
        detail: JSON.stringify({ commentId: comment.id }),
      },
    }),
  ]);
  return 'deleted';
}

/** A Slack ts is seconds since the epoch with a sequence after the dot. */
function slackTime(ts: string): Date {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.floor(seconds * 1000)) : new Date();
}
