/**
 * A Slack user's name as people see it (display name, else real name), for
 * `{{agent_name}}` in templates. users.info, cached for an hour; null when Slack does not
 * say, so the variable stays visible for the writer to fill in.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import { errorMessage } from '../errors.js';

const CACHE_MS = 60 * 60 * 1000;

export interface UserNames {
  nameOf(userId: string): Promise<string | null>;
}

export function createUserNames(client: WebClient, logger: Logger, now = () => Date.now()): UserNames {
  const cache = new Map<string, { name: string | null; until: number }>();
  return {
    async nameOf(userId) {
      const cached = cache.get(userId);
      if (cached && cached.until > now()) return cached.name;
      try {
        const { user } = await client.users.info({ user: userId });
        const name =
          [user?.profile?.display_name, user?.profile?.real_name, user?.real_name]
            .find((candidate) => candidate?.trim())
            ?.trim() ?? null;
        cache.set(userId, { name, until: now() + CACHE_MS });
        return name;
      } catch (error) {
        logger.warn({ code: 'user_name_unavailable', userId, err: errorMessage(error) }, 'users.info failed');
        return null;
      }
    },
  };
}
