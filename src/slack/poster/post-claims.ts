/**
 * Which queued post a channel's worker sends next, and taking it for this instance so two
 * instances never both send it.
 */
import type { Db, SlackPost } from '../../db/client.js';
import { POST_KINDS } from '../../posts/post-kinds.js';

/** A post's claim outlives the 15 s Slack call timeout; a dead holder blocks it no longer. */
const CLAIM_MS = 30_000;
/** Due posts looked at per turn for one that is not behind an earlier post of its ticket. */
const CANDIDATES = 20;

/**
 * The channel's first due post, by priority then age, that no earlier unfinished post of
 * its ticket (of the same or a higher priority) holds back: a post waiting to be retried
 * blocks only its own thread, never the channel.
 */
export async function nextDuePost(db: Db, channel: string): Promise<SlackPost | undefined> {
  const now = new Date();
  const due = await db.slackPost.findMany({
    where: {
      channelId: channel,
      nextAttemptAt: { lte: now },
      OR: [{ state: 'queued' }, { state: 'posting', OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] }],
    },
    orderBy: [{ priority: 'desc' }, { id: 'asc' }],
    take: CANDIDATES,
  });
  for (const post of due) {
    if (post.ticketId === null) return post;
    const earlier = await db.slackPost.findFirst({
      where: {
        ticketId: post.ticketId,
        id: { lt: post.id },
        priority: { gte: post.priority },
        state: { in: ['queued', 'posting'] },
      },
      select: { id: true },
    });
    if (!earlier) return post;
  }
  return undefined;
}

/**
 * Takes the post for `instanceId`: only if it is still in the state it was read in and
 * nobody holds a live claim. False when another instance was quicker.
 */
export async function claimPost(db: Db, post: SlackPost, instanceId: string): Promise<boolean> {
  const now = new Date();
  const { count } = await db.slackPost.updateMany({
    where: { id: post.id, state: post.state, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
    data: {
      state: 'posting',
      attempts: { increment: 1 },
      claimedBy: instanceId,
      claimedUntil: new Date(now.getTime() + CLAIM_MS),
    },
  });
  return count === 1;
}

/**
 * Posts of one kind waiting behind each other in one thread are shown together, FOLD_MAX
 * to a message, once as many as the kind's FOLD_AT are due: a customer (or a mail loop)
 * writing 300 times costs the channel 30 posts, not 300, and a run of clicks on a ticket
 * leaves one trace message, not one per click; other threads and new tickets are not held
 * up for minutes.
 */
export const FOLD_AT: Partial<Record<string, number>> = { [POST_KINDS.followUp]: 3, [POST_KINDS.trace]: 2 };
export const FOLD_MAX = 10;

/** The due posts of `post`'s kind and ticket queued right after it, to be shown with it; none when fewer than the kind's FOLD_AT in all. */
export async function postsToFold(db: Db, post: SlackPost): Promise<SlackPost[]> {
  const at = FOLD_AT[post.kind];
  if (post.ticketId === null || at === undefined || post.state !== 'queued') return [];
  const next = await db.slackPost.findMany({
    where: {
      ticketId: post.ticketId,
      kind: post.kind,
      state: 'queued',
      id: { gt: post.id },
      nextAttemptAt: { lte: new Date() },
    },
    orderBy: { id: 'asc' },
    take: FOLD_MAX - 1,
  });
  return next.length + 1 >= at ? next : [];
}

/** Takes the folded posts along with their lead (already claimed); false if any was taken meanwhile. */
export async function claimFolded(db: Db, posts: readonly SlackPost[], instanceId: string): Promise<boolean> {
  if (posts.length === 0) return true;
  const { count } = await db.slackPost.updateMany({
    where: { id: { in: posts.map((post) => post.id) }, state: 'queued' },
    data: {
      state: 'posting',
      attempts: { increment: 1 },
      claimedBy: instanceId,
      claimedUntil: new Date(Date.now() + CLAIM_MS),
    },
  });
  return count === posts.length;
}
