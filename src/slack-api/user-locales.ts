/**
 * Which language to answer a Slack user in: the locale of their Slack client
 * (users.info with include_locale), cached for an hour, or the mailbox default when Slack
 * does not say.
 */
import type { WebClient } from '@slack/web-api';
import type { TLocale } from '../config/config-schema.js';
import { localeFromSlack } from '../i18n/messages.js';
import type { Logger } from '../logging/logger.js';
import { errorMessage } from '../errors.js';

const CACHE_MS = 60 * 60 * 1000;

export interface UserLocales {
  localeOf(userId: string): Promise<TLocale>;
}

export function createUserLocales(
  client: WebClient,
  fallback: TLocale,
  logger: Logger,
  now = () => Date.now(),
): UserLocales {
  const cache = new Map<string, { locale: TLocale; until: number }>();
  return {
    async localeOf(userId) {
      const cached = cache.get(userId);
      if (cached && cached.until > now()) return cached.locale;
      try {
        const info = await client.users.info({ user: userId, include_locale: true });
        const locale = localeFromSlack(info.user?.locale, fallback);
        cache.set(userId, { locale, until: now() + CACHE_MS });
        return locale;
      } catch (error) {
        // Not fatal: answer in the default language and ask again next time.
        logger.warn({ code: 'user_locale_unavailable', userId, err: errorMessage(error) }, 'users.info failed');
        return fallback;
      }
    },
  };
}
