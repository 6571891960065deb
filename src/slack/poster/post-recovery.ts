/**
 * After a crash between Slack's answer and our record of it, a post may already be in
 * Slack: it carries its id in the message metadata, so the channel (or thread) is searched
 * for it before it is sent again. Files are found by their ids.
 */
import type { WebAPICallResult, WebClient } from '@slack/web-api';

export const POST_METADATA_EVENT = 'mailroom_post';
/** Pages of history searched for a post that may have been sent before a crash. */
const RECOVERY_PAGES = 10;

export interface HistoryMessage {
  ts?: string;
  files?: { id?: string }[];
  metadata?: { event_type?: string; event_payload?: { post_id?: number; folded?: string } };
}

type HistoryPage = WebAPICallResult & {
  messages?: HistoryMessage[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
};

/** Pages through a history listing until a message matches; its ts, or undefined. */
async function searchPages(
  fetchPage: (cursor: string | undefined) => Promise<WebAPICallResult>,
  match: (message: HistoryMessage) => boolean,
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < RECOVERY_PAGES; page += 1) {
    const result = (await fetchPage(cursor)) as HistoryPage;
    const found = result.messages?.find(match);
    if (found?.ts) return found.ts;
    cursor = result.response_metadata?.next_cursor;
    if (!result.has_more || !cursor) return undefined;
  }
  return undefined;
}

export function findInThread(
  client: WebClient,
  channel: string,
  threadTs: string,
  match: (message: HistoryMessage) => boolean,
): Promise<string | undefined> {
  return searchPages(
    (cursor) =>
      client.conversations.replies({
        channel,
        ts: threadTs,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    match,
  );
}

/** The ts of a message we already posted for post `postId`, if Slack has one. */
export function findPosted(
  client: WebClient,
  post: { id: number; channelId: string; createdAt: Date },
  threadTs: string | undefined,
): Promise<string | undefined> {
  // Our message for this post, or the one it was folded into (slack-poster.ts).
  const ours = (message: HistoryMessage) =>
    message.metadata?.event_type === POST_METADATA_EVENT &&
    (message.metadata.event_payload?.post_id === post.id ||
      (message.metadata.event_payload?.folded ?? '').split(',').includes(String(post.id)));
  if (threadTs) return findInThread(client, post.channelId, threadTs, ours);
  // Everything since the post was queued, newest first, page by page.
  const oldest = String(Math.floor(post.createdAt.getTime() / 1000) - 60);
  return searchPages(
    (cursor) =>
      client.conversations.history({
        channel: post.channelId,
        oldest,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    ours,
  );
}
