/**
 * Who may approve a mailbox's replies: the users in its REVIEWERS list, and the members of
 * any user group (S…) listed there, read from Slack (usergroups.users.list) and kept for
 * ten minutes. Slack not answering means nobody from that group approves just now.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import { errorMessage } from '../errors.js';

const REFRESH_MS = 10 * 60 * 1000;

export interface Reviewers {
  isReviewer(reviewerIds: readonly string[], userId: string): Promise<boolean>;
}

export function createReviewers(client: WebClient, logger: Logger, now = () => Date.now()): Reviewers {
  const groups = new Map<string, { users: Set<string>; until: number }>();

  async function groupMembers(groupId: string): Promise<Set<string>> {
    const cached = groups.get(groupId);
    if (cached && cached.until > now()) return cached.users;
    try {
      const result = await client.usergroups.users.list({ usergroup: groupId });
      const users = new Set(result.users ?? []);
      groups.set(groupId, { users, until: now() + REFRESH_MS });
      return users;
    } catch (error) {
      // Fail closed: an expired list may still hold someone removed from the group since.
      logger.warn(
        { code: 'usergroup_unavailable', groupId, err: errorMessage(error) },
        'could not read a reviewer group; nobody from it approves until it can be read',
      );
      return new Set();
    }
  }

  return {
    async isReviewer(reviewerIds, userId) {
      if (reviewerIds.includes(userId)) return true;
      for (const id of reviewerIds.filter((candidate) => candidate.startsWith('S'))) {
        if ((await groupMembers(id)).has(userId)) return true;
      }
      return false;
    },
  };
}
