/**
 * The one way a Slack post is queued: a SlackPost row written in the caller's transaction,
 * with the priority its kind has (post-kinds.ts). Through Prisma for the services, or as a
 * statement of an SQL script for the ingest commit; both from the same row.
 */
import type { Tx } from '../db/client.js';
import { insertSlackPost, type SlackPostRow } from '../db/queries/slack-posts.js';
import type { SqlScript } from '../db/sql-script.js';
import { KIND_PRIORITY, POST_KINDS, type PostKind } from './post-kinds.js';

export interface PostToQueue {
  mailboxId: number;
  ticketId?: number | null;
  channelId: string;
  kind: PostKind;
  /** A post is queued once per thing it shows (e.g. `message:<id>`). */
  dedupeKey: string;
  payload: object;
  /** Instead of the kind's own (post-kinds.ts): a sender's burst goes behind others' tickets. */
  priority?: number;
}

function postRow(post: PostToQueue, now: Date): SlackPostRow {
  return {
    mailboxId: post.mailboxId,
    ticketId: post.ticketId ?? null,
    channelId: post.channelId,
    kind: post.kind,
    dedupeKey: post.dedupeKey,
    payload: JSON.stringify(post.payload),
    priority: post.priority ?? KIND_PRIORITY[post.kind],
    nextAttemptAt: now,
    createdAt: now,
  };
}

export async function queuePosts(tx: Tx, posts: readonly PostToQueue[], now = new Date()): Promise<void> {
  if (posts.length) await tx.slackPost.createMany({ data: posts.map((post) => postRow(post, now)) });
}

/**
 * Queues the posts not queued before (by dedupe key): for work that may be asked for twice,
 * such as forgetting a customer again. Returns how many were new.
 */
export async function queueNewPosts(tx: Tx, posts: readonly PostToQueue[], now = new Date()): Promise<number> {
  const known = new Set(
    (
      await tx.slackPost.findMany({
        where: { dedupeKey: { in: posts.map((post) => post.dedupeKey) } },
        select: { dedupeKey: true },
      })
    ).map((post) => post.dedupeKey),
  );
  const fresh = posts.filter((post) => !known.has(post.dedupeKey));
  await queuePosts(tx, fresh, now);
  return fresh.length;
}

export function* queuePostSql(post: PostToQueue, now: Date): SqlScript<void> {
  yield* insertSlackPost(postRow(post, now));
}

/**
 * What a change to a posted ticket shows: its message updated in place and a trace line of
 * audit record `auditId` in the thread (by a person's click, or a customer reopening it).
 */
/** A ticket and where it is posted (nowhere yet: both null). */
export interface QueuedTicket {
  id: number;
  mailboxId: number;
  slackChannelId: string | null;
  slackTs: string | null;
}

export function ticketChangePosts(
  ticket: QueuedTicket,
  auditId: number,
  { trace = true, update = true } = {},
): PostToQueue[] {
  // A ticket not posted yet shows its current state when it is; there is nothing to update.
  if (!ticket.slackChannelId || !ticket.slackTs) return [];
  const common = {
    mailboxId: ticket.mailboxId,
    ticketId: ticket.id,
    channelId: ticket.slackChannelId,
    payload: { auditId },
  };
  return [
    ...(update ? [{ ...common, kind: POST_KINDS.ticketUpdate, dedupeKey: `update:${auditId}` }] : []),
    ...(trace ? [{ ...common, kind: POST_KINDS.trace, dedupeKey: `trace:${auditId}` }] : []),
  ];
}
