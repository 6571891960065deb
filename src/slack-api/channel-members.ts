/**
 * Who may act on a mailbox's tickets: the members of its channel. The member list is read
 * from Slack (conversations.members, every page) and kept for a while; member_joined and
 * member_left events keep it current in between, so someone who leaves loses access at
 * once rather than at the next refresh.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';

const REFRESH_MS = 10 * 60 * 1000;

export interface ChannelMembers {
  /** True when the user is in the channel. Throws when Slack cannot say (then nobody acts). */
  isMember(channelId: string, userId: string): Promise<boolean>;
  joined(channelId: string, userId: string): void;
  left(channelId: string, userId: string): void;
}

export function createChannelMembers(client: WebClient, logger: Logger, now = () => Date.now()): ChannelMembers {
  const cache = new Map<string, { members: Set<string>; until: number }>();
  const loading = new Map<string, Promise<Set<string>>>();
  /** Joins and leaves heard while a channel's list was being read: applied on top of it. */
  const heardWhileLoading = new Map<string, [userId: string, change: 'joined' | 'left'][]>();

  async function load(channelId: string): Promise<Set<string>> {
    heardWhileLoading.set(channelId, []);
    const members = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await client.conversations.members({
        channel: channelId,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const member of page.members ?? []) members.add(member);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    // The list may have been read before someone left (or joined): the event wins.
    for (const [userId, change] of heardWhileLoading.get(channelId) ?? []) {
      if (change === 'joined') members.add(userId);
      else members.delete(userId);
    }
    cache.set(channelId, { members, until: now() + REFRESH_MS });
    logger.debug({ code: 'channel_members_loaded', channelId, count: members.size }, 'channel members read');
    return members;
  }

  async function membersOf(channelId: string): Promise<Set<string>> {
    const cached = cache.get(channelId);
    if (cached && cached.until > now()) return cached.members;
    // Many clicks at once after a restart ask Slack once.
    let pending = loading.get(channelId);
    if (!pending) {
      pending = load(channelId).finally(() => {
        loading.delete(channelId);
        heardWhileLoading.delete(channelId);
      });
      loading.set(channelId, pending);
    }
    return pending;
  }

  return {
    isMember: async (channelId, userId) => (await membersOf(channelId)).has(userId),
    joined: (channelId, userId) => {
      cache.get(channelId)?.members.add(userId);
      heardWhileLoading.get(channelId)?.push([userId, 'joined']);
    },
    left: (channelId, userId) => {
      cache.get(channelId)?.members.delete(userId);
      heardWhileLoading.get(channelId)?.push([userId, 'left']);
    },
  };
}
