/**
 * A Slack message's permalink (chat.getPermalink), remembered: a thread's permalink never
 * changes, and search results, customer cards and the Home tab link the same threads
 * again and again.
 */
import type { WebClient } from '@slack/web-api';

/** The permalink of a Slack message, or null when Slack does not give one. */
export type Permalinks = (channelId: string, ts: string) => Promise<string | null>;

export function createPermalinks(client: WebClient, max = 5000): Permalinks {
  const cache = new Map<string, string>();
  return async (channelId, ts) => {
    const key = `${channelId}:${ts}`;
    const known = cache.get(key);
    if (known) return known;
    const link = (await client.chat.getPermalink({ channel: channelId, message_ts: ts })).permalink;
    if (!link) return null;
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(key, link);
    return link;
  };
}
